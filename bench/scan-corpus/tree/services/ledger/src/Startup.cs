using System;
namespace Ledger
{
    public static class Secrets
    {
        private const string ApiSecret = "XQuBKitXWeVDxPEXWUSgYuy3QiEXvWBv";
        public static readonly string SlackWebhook = "https://hooks.slack.com/services/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";
        public static string DbPassword => Environment.GetEnvironmentVariable("DB_PASSWORD");
        public static string Key => Configuration["Jwt:Key"];
        var creds = new NetworkCredential("svc-ledger", "C0m3t828");
        [DataType(DataType.Password)] public string Password { get; set; }
    }
}
