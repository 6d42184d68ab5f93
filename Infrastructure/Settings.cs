namespace PaymentHub.Infrastructure;

/// <summary>
/// What operators set, from the "PaymentHub" configuration section (appsettings.json, if present) or the PAYMENTHUB_* environment
/// variables, the variables winning: scripts and containers set variables, so they must not be
/// overridden by a file baked into the build. docs/operations.md lists every setting.
/// </summary>
public sealed record Settings
{
    public required string DataPath { get; init; }
    /// <summary>A PostgreSQL connection string (PAYMENTHUB_DATABASE); none: the SQLite file in the data folder.</summary>
    public string? Database { get; init; }
    /// <summary>The Data Protection key ring's folder (PAYMENTHUB_KEYS), e.g. one that several instances share; none: <c>keys</c> in the data folder.</summary>
    public string? KeysFolder { get; init; }
    public string? PublicUrl { get; init; }
    public string? AdminPassword { get; init; }
    public string? BootstrapClientId { get; init; }
    public string? BootstrapClientSecret { get; init; }
    public int DefaultExpiryMinutes { get; init; } = 24 * 60;
    /// <summary>A PFX file whose certificate encrypts the Data Protection keys at rest; none: the keys are stored as files only the owner can read.</summary>
    public string? KeyCertificatePath { get; init; }
    public string? KeyCertificatePassword { get; init; }
    /// <summary>Addresses or networks (CIDR) of reverse proxies whose X-Forwarded-* headers are believed; none: such headers are ignored.</summary>
    public IReadOnlyList<string> KnownProxies { get; init; } = [];

    public string DatabasePath => Path.Combine(DataPath, "paymenthub.db");

    public string KeysPath => KeysFolder ?? Path.Combine(DataPath, "keys");

    /// <summary>
    /// Configuration every source may override: console logs at Information, ASP.NET Core's own
    /// at Warning, and no line per request (each request's failures are logged by us).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string?> ConfigurationDefaults = new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "None",
    };

    public static Settings From(IConfiguration config)
    {
        string? Read(string env, string key) => NullIfEmpty(config[env]) ?? NullIfEmpty(config[$"PaymentHub:{key}"]);
        return new Settings
        {
            DataPath = Path.GetFullPath(Read("PAYMENTHUB_DATA", "Data") ?? "data"),
            Database = Read("PAYMENTHUB_DATABASE", "Database"),
            KeysFolder = Read("PAYMENTHUB_KEYS", "Keys") is { } keys ? Path.GetFullPath(keys) : null,
            PublicUrl = Read("PAYMENTHUB_PUBLIC_URL", "PublicUrl")?.TrimEnd('/'),
            AdminPassword = Read("PAYMENTHUB_ADMIN_PASSWORD", "AdminPassword"),
            BootstrapClientId = Read("PAYMENTHUB_BOOTSTRAP_CLIENT_ID", "BootstrapClientId"),
            BootstrapClientSecret = Read("PAYMENTHUB_BOOTSTRAP_CLIENT_SECRET", "BootstrapClientSecret"),
            DefaultExpiryMinutes = int.TryParse(Read("PAYMENTHUB_DEFAULT_EXPIRY_MINUTES", "DefaultExpiryMinutes"), out var m) ? m : 24 * 60,
            KeyCertificatePath = Read("PAYMENTHUB_KEY_CERTIFICATE", "KeyCertificate"),
            KeyCertificatePassword = Read("PAYMENTHUB_KEY_CERTIFICATE_PASSWORD", "KeyCertificatePassword"),
            KnownProxies = (Read("PAYMENTHUB_KNOWN_PROXIES", "KnownProxies") ?? "")
                .Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        };
    }

    /// <summary>The base of payment_url: the configured public URL, else the request's own origin.</summary>
    public string PublicBase(HttpRequest request) => PublicUrl ?? $"{request.Scheme}://{request.Host}{request.PathBase}";

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}

/// <summary>A setting that can't work as given: start-up stops with this message, not a stack trace.</summary>
public sealed class ConfigurationException(string message) : Exception(message);
