namespace PaymentHub.Infrastructure;

/// <summary>
/// What operators set, from appsettings.json ("PaymentHub" section) or the PAYMENTHUB_* environment
/// variables, the variables winning: scripts and containers set variables, so they must not be
/// overridden by a file baked into the build. docs/operations.md lists every setting.
/// </summary>
public sealed record Settings
{
    public required string DataPath { get; init; }
    public string? PublicUrl { get; init; }
    public string? AdminPassword { get; init; }
    public string? BootstrapClientId { get; init; }
    public string? BootstrapClientSecret { get; init; }
    public int DefaultExpiryMinutes { get; init; } = 24 * 60;

    public string DatabasePath => Path.Combine(DataPath, "paymenthub.db");

    public static Settings From(IConfiguration config)
    {
        string? Read(string env, string key) => NullIfEmpty(config[env]) ?? NullIfEmpty(config[$"PaymentHub:{key}"]);
        return new Settings
        {
            DataPath = Path.GetFullPath(Read("PAYMENTHUB_DATA", "Data") ?? "data"),
            PublicUrl = Read("PAYMENTHUB_PUBLIC_URL", "PublicUrl")?.TrimEnd('/'),
            AdminPassword = Read("PAYMENTHUB_ADMIN_PASSWORD", "AdminPassword"),
            BootstrapClientId = Read("PAYMENTHUB_BOOTSTRAP_CLIENT_ID", "BootstrapClientId"),
            BootstrapClientSecret = Read("PAYMENTHUB_BOOTSTRAP_CLIENT_SECRET", "BootstrapClientSecret"),
            DefaultExpiryMinutes = int.TryParse(Read("PAYMENTHUB_DEFAULT_EXPIRY_MINUTES", "DefaultExpiryMinutes"), out var m) ? m : 24 * 60,
        };
    }

    /// <summary>The base of payment_url: the configured public URL, else the request's own origin.</summary>
    public string PublicBase(HttpRequest request) => PublicUrl ?? $"{request.Scheme}://{request.Host}{request.PathBase}";

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
