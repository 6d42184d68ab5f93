using Microsoft.Playwright;

namespace PaymentHub.Tests.Features.Checkout;

/// <summary>
/// One headless Debian chromium per test class (never a browser Playwright downloads); each test
/// opens its own context. Without chromium the tests fail with a message saying how to install it.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    private static readonly string[] Args =
    [
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic",
    ];

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser has not started.");

    public async Task InitializeAsync()
    {
        var configured = Environment.GetEnvironmentVariable("CHROMIUM_PATH");
        var executable = FindChromium(configured) ?? throw new InvalidOperationException(
            (string.IsNullOrEmpty(configured) ? "No chromium on PATH. " : $"CHROMIUM_PATH={configured} does not exist. ")
            + "Browser tests drive Debian's chromium (never a downloaded browser): install it with `apt-get install -y chromium`.");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            Args = Args,
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _playwright?.Dispose();
    }

    /// <summary>A fresh context (own cookies) and page; disposing the context closes the page.</summary>
    public async Task<(IBrowserContext Context, IPage Page)> NewPageAsync(BrowserNewContextOptions? options = null)
    {
        var context = await Browser.NewContextAsync(options);
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        return (context, page);
    }

    private static string? FindChromium(string? configured)
    {
        if (!string.IsNullOrEmpty(configured)) return File.Exists(configured) ? configured : null;
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "chromium"))
            .FirstOrDefault(File.Exists);
    }
}
