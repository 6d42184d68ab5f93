using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PaymentHub.Infrastructure.Auth;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>An unhandled exception: a 500 envelope with a correlation id, logged, no internals in the body.</summary>
public sealed class ErrorHandlingTests(ErrorHandlingTests.Factory app) : IClassFixture<ErrorHandlingTests.Factory>
{
    public const string BrokenClientId = "pk_test_broken";

    /// <summary>The API key check throws for one client id, as a failing database would.</summary>
    public sealed class Factory : PaymentHubFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services =>
            {
                var real = services.Single(d => d.ServiceType == typeof(IApiKeyVerifier));
                services.RemoveAll<IApiKeyVerifier>();
                services.AddSingleton<IApiKeyVerifier>(sp => new Throwing((IApiKeyVerifier)ActivatorUtilities.CreateInstance(sp, real.ImplementationType!)));
            });
        }
    }

    private sealed class Throwing(IApiKeyVerifier inner) : IApiKeyVerifier
    {
        public Task<Caller?> VerifyAsync(string clientId, string clientSecret, CancellationToken ct) =>
            clientId == BrokenClientId
                ? throw new InvalidOperationException("database file is locked: /secret/path/paymenthub.db")
                : inner.VerifyAsync(clientId, clientSecret, ct);
    }

    [Fact]
    public async Task UnhandledException_Returns500EnvelopeWithCorrelationId_AndLogsIt()
    {
        var response = await app.Api(BrokenClientId, "whatever").GetAsync("/api/platform/intents");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var correlation = response.Headers.GetValues("X-Correlation-ID").Single();
        var text = await response.Content.ReadAsStringAsync();
        var body = await response.Body();
        Assert.False((bool)body["success"]!);
        Assert.Empty(body["data"]!.AsArray());
        Assert.Contains(correlation, (string)body["message"]!);
        Assert.DoesNotContain("InvalidOperationException", text);
        Assert.DoesNotContain("/secret/path", text);
        Assert.DoesNotContain(" at ", text);
        Assert.Contains(app.Logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal) && l.Contains(correlation) && l.Contains("database file is locked"));
    }

    [Fact]
    public async Task EveryResponse_CarriesACorrelationId()
    {
        var response = await app.Api().GetAsync("/api/platform/intents");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(string.IsNullOrEmpty(response.Headers.GetValues("X-Correlation-ID").Single()));
    }
}
