using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Infrastructure.Auth;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>
/// Every route the app maps — method, path, and what it needs: an API key ("key"), the admin panel's
/// sign-in cookie ("cookie") or nothing ("open") — against the checked-in
/// Contracts/routes.txt, so that moving endpoints around can neither lose a route nor open one.
/// On a mismatch the actual table is written beside the expected file as routes.received.txt.
/// </summary>
public sealed class RouteTableTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    [Fact]
    public void Routes_MatchTheCheckedInTable()
    {
        var actual = RouteTable(app.Services);
        var expectedPath = Path.Combine(AppContext.BaseDirectory, "Contracts", "routes.txt");
        var expected = File.Exists(expectedPath) ? File.ReadAllLines(expectedPath).Where(l => l.Length > 0).ToList() : [];
        if (!expected.SequenceEqual(actual))
        {
            File.WriteAllLines(Path.ChangeExtension(expectedPath, ".received.txt"), actual);
            var missing = expected.Except(actual).Select(l => "- " + l);
            var added = actual.Except(expected).Select(l => "+ " + l);
            Assert.Fail("The route table changed:\n" + string.Join('\n', missing.Concat(added)));
        }
    }

    /// <summary>"GET /api/platform/intents/{intent_id} key" lines, sorted.</summary>
    internal static List<string> RouteTable(IServiceProvider services) =>
        services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"])
                .Select(method => $"{method} {RoutePath(e)} {Needs(e)}"))
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();

    private static string Needs(RouteEndpoint e) =>
        e.Metadata.GetMetadata<ApiKeyRequired>() is not null ? "key"
        : e.Metadata.GetMetadata<IAuthorizeData>() is not null && e.Metadata.GetMetadata<IAllowAnonymous>() is null ? "cookie"
        : "open";

    /// <summary>The route as a client writes it: "/intents" and a group's "/intents/" match the same requests.</summary>
    private static string RoutePath(RouteEndpoint e) => "/" + e.RoutePattern.RawText!.Trim('/');
}
