namespace Ledger;
public class Client
{
    public string Password { get; init; } = string.Empty;
    Password = model.Password,
    private const string BearerToken = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJsZWRnZXIiLCJ0aWQiOiI3NDY1MzdiZC03NjQzLTRhOGItYjk5YS1mMDdlYWVjZWRkMDIifQ.43YjjfxzpsYg-sjFyPYeyUyGHLRqYxh2VHudolYVpHyS6NkBPuoU28UhMswP1F9-RwKMxr1xPTfaT-9skMIzV7WqN27wFExlDDpx41_1QuZqGk71YAk_C5TNlbhfjqUem-qVwlgR1_B-SnSsMHhx-sxBiqLYsxIMw6O6b-vvq1j2-juDvYwmnxcMMr79hJL-706xY2aLLauwQF9G4X1lQcU7PVdGbsWJYniqBQ-MOz1gL3hNxqm0S6INVg2H7DDIxNNn0RPHTrXSaTgojoJTXaJ5ZZwh-3-JjFbvN_7y6N6HSNo7ERGPHea1PaVFhx5d6bFupLLmWKZjfUFyctR9AQ";
    private static readonly string ConnectionString = "Server=sql;Database=ledger;User ID=ledger;Password=PEP7372per&;";
}
