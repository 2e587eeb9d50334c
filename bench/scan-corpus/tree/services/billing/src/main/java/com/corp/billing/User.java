package com.corp.billing;

public class User {
    @JsonProperty("password") private String password;
    @Column(name = "password_hash", nullable = false) private String passwordHash;
    public String getToken() { return token; }
    private static final String TOKEN_HEADER = "X-Auth-Token";
    private static final String SIGNING_SECRET = "JgsZ0IuuUsUylA2TKFyOdZg8X0yVEpOp8M949dU8EA2";
    private static final String SERVICE_JWT = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJiaWxsaW5nIiwic2NvcGUiOiJsZWRnZXI6d3JpdGUifQ.Se4A9b-QVBD9PjrPeETZHQppDy_pjEBoIj0CAIw65ZCeO8A9OlKJkQwmGZIhUcS0w8vKnniEO2vIoQH0Id_lW2qTO8npnemWRnn3NVWMNJsfcMijE06pdiuZYnaeftbcMg-A8HFmlUIF_B2aNbRZotzvlo4KP_9A7rEWHFeRe1aiJBzFheDM3pJtydRuZcKOb5TVyKSKFKKkbLgqhvReD1IFn4l8QsiISeatejlfdYQjPUAJbDeR5N2Gba8z4OUZHS2FwiKPgday7RN54mON_tcl1JM2HN7hTeBKtvlpC1Q5IL9XMgv5oLyhxlMU6kuQn28MDuaYWrWES6GJv45czw";
}
