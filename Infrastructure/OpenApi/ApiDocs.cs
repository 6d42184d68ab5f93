using Carter;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using PaymentHub.Infrastructure.Http;
using Scalar.AspNetCore;

namespace PaymentHub.Infrastructure.OpenApi;

/// <summary>The OpenAPI document at /openapi/v1.json and the Scalar reference page at /docs.</summary>
public static class ApiDocs
{
    public const string DocumentPath = "/openapi/v1.json";

    public static IServiceCollection AddPaymentHubOpenApi(this IServiceCollection services) =>
        services.AddOpenApi("v1", options =>
        {
            options.CreateSchemaReferenceId = SchemaId;
            options.AddDocumentTransformer<PaymentHubDocumentTransformer>();
            options.AddOperationTransformer<PlatformOperationTransformer>();
            options.AddSchemaTransformer<PaymentHubSchemaTransformer>();
        });

    /// <summary>Every platform endpoint can answer 400, 401 and 500 in the error envelope.</summary>
    public static RouteGroupBuilder WithPlatformApiDocs(this RouteGroupBuilder group) =>
        group.WithMetadata(
            new ProducesResponseTypeMetadata(StatusCodes.Status400BadRequest, typeof(ErrorEnvelope), ["application/json"]),
            new ProducesResponseTypeMetadata(StatusCodes.Status401Unauthorized, typeof(ErrorEnvelope), ["application/json"]),
            new ProducesResponseTypeMetadata(StatusCodes.Status500InternalServerError, typeof(ErrorEnvelope), ["application/json"]));

    /// <summary>
    /// The routes of the document and of Scalar's page and scripts, as <see cref="MapReference"/> maps them
    /// (<c>ApiDocsTests</c> holds the two lists equal).
    /// </summary>
    internal static readonly string[] ReferencePatterns =
        [DocumentRoute, "/docs/{documentName?}", "/docs/scalar.js", "/docs/scalar.aspnetcore.js", "/docs/favicon.svg"];

    private const string DocumentRoute = "/openapi/{documentName}.json";

    /// <summary>
    /// The document and Scalar's reference page at /docs. Their endpoints are made at the first request
    /// for one of them (<see cref="DeferredEndpoints"/>), not at start: a server that nobody reads the
    /// reference of never loads Scalar or builds the document's endpoint. The routes are in the route
    /// table from the start, with the same patterns, so routing, the security headers and the route
    /// table's contract see no difference.
    /// </summary>
    public static IEndpointRouteBuilder MapApiDocs(this IEndpointRouteBuilder app)
    {
        var reference = new DeferredEndpoints(app.ServiceProvider, MapReference);
        foreach (var pattern in ReferencePatterns)
            app.MapGet(pattern, reference.InvokeAsync).ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// The document, and Scalar's reference page from the script embedded in the Scalar.AspNetCore
    /// package: no CDN, no web fonts, no telemetry and none of Scalar's hosted AI features, so the page
    /// works offline; both API-key headers are preselected for "Try it".
    /// </summary>
    internal static void MapReference(IEndpointRouteBuilder app)
    {
        app.MapOpenApi(DocumentRoute);
        app.MapScalarApiReference("/docs", options => options
            .WithTitle("PaymentHub API reference")
            .WithOpenApiRoutePattern(DocumentRoute)
            .AddPreferredSecuritySchemes([PaymentHubDocumentTransformer.ClientIdScheme, PaymentHubDocumentTransformer.ClientSecretScheme])
            .DisableDefaultFonts()
            .DisableTelemetry()
            .DisableAgent()
            .DisableMcp());
    }

    /// <summary>
    /// Slices nest their Request and Response types, so the default ids ("Request") would collide:
    /// a nested type is named after its use case ("CreateIntentRequest").
    /// </summary>
    /// <remarks>
    /// FlexNumber stays inline, so each field can carry its own description.
    /// </remarks>
    private static string? SchemaId(JsonTypeInfo info)
    {
        var type = Nullable.GetUnderlyingType(info.Type) ?? info.Type;
        if (type == typeof(FlexNumber) || OpenApiOptions.CreateDefaultSchemaReferenceId(info) is null) return null;
        return Name(type);
    }

    private static string Name(Type type)
    {
        var prefix = type.IsNested && !type.IsGenericParameter ? Name(type.DeclaringType!) : "";
        if (!type.IsGenericType) return prefix + type.Name;
        var name = type.Name[..type.Name.IndexOf('`')];
        return prefix + name + "Of" + string.Join("And", type.GetGenericArguments().Select(Name));
    }
}

/// <summary>Maps the reference's routes through Carter, like every other endpoint.</summary>
public sealed class ApiDocsRoutes : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) => app.MapApiDocs();
}
