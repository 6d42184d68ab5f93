namespace PaymentHub.Infrastructure.Http;

/// <summary>
/// Endpoints mapped at the first request that needs them, for parts of the server most processes
/// never serve (the API reference). The route table holds endpoints with the same patterns from the
/// start; each hands its request to the endpoint of that pattern, made on first use with the
/// application's own services, so the same route values reach it and its answer is the same.
/// </summary>
public sealed class DeferredEndpoints(IServiceProvider services, Action<IEndpointRouteBuilder> map)
{
    private readonly Lazy<IReadOnlyDictionary<string, RequestDelegate>> _byPattern = new(() => Build(services, map));

    /// <summary>Runs the deferred endpoint whose pattern is the one routing matched for this request.</summary>
    public Task InvokeAsync(HttpContext http)
    {
        var pattern = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText
            ?? throw new InvalidOperationException("A deferred endpoint runs only where routing matched one of its patterns.");
        return _byPattern.Value.TryGetValue(pattern, out var endpoint)
            ? endpoint(http)
            : throw new InvalidOperationException($"No deferred endpoint has the pattern {pattern}.");
    }

    /// <summary>The patterns <paramref name="map"/> creates, e.g. to hold a route table's copy of them equal.</summary>
    public static IReadOnlyCollection<string> Patterns(IServiceProvider services, Action<IEndpointRouteBuilder> map) =>
        Build(services, map).Keys.ToList();

    private static IReadOnlyDictionary<string, RequestDelegate> Build(IServiceProvider services, Action<IEndpointRouteBuilder> map)
    {
        var builder = new Builder(services);
        map(builder);
        return builder.DataSources.SelectMany(source => source.Endpoints).OfType<RouteEndpoint>()
            .ToDictionary(e => e.RoutePattern.RawText!, e => e.RequestDelegate!, StringComparer.Ordinal);
    }

    /// <summary>A route builder of its own: what is mapped here never enters the application's route table.</summary>
    private sealed class Builder(IServiceProvider services) : IEndpointRouteBuilder
    {
        public IServiceProvider ServiceProvider => services;
        public ICollection<EndpointDataSource> DataSources { get; } = [];
        public IApplicationBuilder CreateApplicationBuilder() => new ApplicationBuilder(services);
    }
}
