using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Features.Payments;
using PaymentHub.Features.Merchants;
using PaymentHub.Tests.Features.Gateways;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Payments;

/// <summary>The app with a one-second NMI timeout, so a hung gateway is a quick test.</summary>
public sealed class ShortNmiTimeoutFactory : PaymentHubFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("PaymentHub:Nmi:TimeoutSeconds", "1");
    }
}

/// <summary>
/// A live-mode merchant whose NMI account is a local fake NMI, with its API
/// client, and a customer paying its checkout as Collect.js would: with the test payment token.
/// </summary>
public sealed class LiveMerchant(PaymentHubFactory app, NewApiClient client)
{
    public NewApiClient Client => client;

    public static async Task<LiveMerchant> CreateAsync(PaymentHubFactory app, FakeNmi nmi)
    {
        var client = await app.CreateClientAsync(await app.CreateMerchantAsync(), "live");
        await app.Services.GetRequiredService<IGatewaySettingsStore>().SaveAsync(client.MerchantId, "live",
            new GatewaySettingsUpdate("nmi", FakeNmi.SecurityKey, "tok-public", nmi.BaseUrl), CancellationToken.None);
        return new LiveMerchant(app, client);
    }

    public HttpClient Api() => app.Api(client);

    /// <summary>Creates a live intent; returns (intent_id, path of payment_url).</summary>
    public async Task<(string Id, string Path)> CreateIntentAsync(IntentBuilder body)
    {
        var data = await Envelopes.AssertOk(await Api().PostJson("/api/platform/intents", body.Json()));
        return ((string)data["intent_id"]!, new Uri((string)data["payment_url"]!).AbsolutePath);
    }

    /// <summary>Opens the checkout and posts the form with the payment token, as Collect.js leaves it.</summary>
    public async Task<HttpResponseMessage> PayWithTokenAsync(string path)
    {
        var browser = new Checkout(app).Browser();
        var token = await Checkout.AntiforgeryToken(await browser.GetAsync(path));
        return await browser.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__af"] = token, ["name_on_card"] = "Jane Customer", ["payment_token"] = FakeNmi.TestToken,
        }));
    }
}

/// <summary>Tests of a live-mode merchant whose NMI is a fake started afresh for each test.</summary>
public abstract class LiveModeTests(ShortNmiTimeoutFactory app) : IClassFixture<ShortNmiTimeoutFactory>, IAsyncLifetime
{
    protected ShortNmiTimeoutFactory App => app;
    protected FakeNmi Nmi { get; private set; } = null!;
    protected LiveMerchant Live { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Nmi = await FakeNmi.StartAsync();
        Live = await LiveMerchant.CreateAsync(app, Nmi);
    }

    public async Task DisposeAsync() => await Nmi.DisposeAsync();

    /// <summary>The settlement job as Hangfire runs it, with the clock moved <paramref name="by"/> for the run.</summary>
    protected async Task SettleAsync(TimeSpan by)
    {
        App.Clock.Advance(by);
        try
        {
            await App.Services.GetRequiredService<SettlePayments>().RunAsync(CancellationToken.None);
        }
        finally
        {
            App.Clock.Advance(-by);
        }
    }
}
