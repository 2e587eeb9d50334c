package com.corp.billing;

import java.net.http.HttpClient;

public class PartnerClient {
    private static final String API_KEY = "XUHBLbXX10pq954OOIEws4xfr2vi0HXe";
    private static final String TWILIO_AUTH_TOKEN = "9746cd41b2e289e114828aa1843a0341";
    private static final String PASSWORD_PARAM = "password";
    private static final int PASSWORD_MIN_LENGTH = 12;
    private final String apiKey = System.getenv("PARTNER_API_KEY");
    @Value("${app.partner.api-key}") private String partnerKey;

    public AWSCredentials credentials() {
        return new BasicAWSCredentials(
                "AKIAENKQJ3CUAGTIM4TP",
                "W90E6TxZox1e83wFBIfoOobQVj+bfU+8OpccTYhW");
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(url, "billing", "BAM5947boo*");
    }

    public String authHeader() {
        return "Basic " + "YmlsbGluZzo4aHhlOFd4UkpNdFk2QnIwZnU=";
    }

    void setPassword(char[] password) {
        this.password = Arrays.copyOf(password, password.length);
    }
}
