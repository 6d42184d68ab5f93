using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.Idempotency;

namespace PaymentHub.Infrastructure.OpenApi;

/// <summary>
/// What every <c>/api/platform</c> operation shares and the endpoint metadata does not say: the
/// API-key security, the <c>Idempotency-Key</c> header on POST, the error answers in the API's
/// error envelope with examples, and the success and request examples.
/// </summary>
internal sealed class PlatformOperationTransformer : IOpenApiOperationTransformer
{
    private const string Json = "application/json";

    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var description = context.Description;
        var metadata = description.ActionDescriptor.EndpointMetadata;
        if (!metadata.OfType<ApiKeyRequired>().Any()) return;

        var isPost = string.Equals(description.HttpMethod, HttpMethods.Post, StringComparison.OrdinalIgnoreCase);
        var hasRouteId = description.ParameterDescriptions.Any(p => p.Source.Id == "Path")
            || (description.RelativePath?.Contains('{') ?? false);
        var returns = ResultTypes(metadata.OfType<MethodInfo>().FirstOrDefault()?.ReturnType);
        // A request validator (Validate<T>) or a handler that returns 422 itself.
        var validated = returns.Contains(typeof(ApiValidationError))
            || metadata.OfType<Microsoft.AspNetCore.Http.Metadata.IProducesResponseTypeMetadata>().Any(m => m.StatusCode == StatusCodes.Status422UnprocessableEntity);

        AddSecurity(operation, context.Document);
        NameQueryParameters(operation);
        if (isPost) AddIdempotencyKey(operation);

        operation.Responses ??= new OpenApiResponses();
        var error = await SchemaAsync<ErrorEnvelope>(context, cancellationToken);
        var validation = await SchemaAsync<ValidationEnvelope>(context, cancellationToken);

        Respond(operation, 400, "The request could not be read: malformed JSON, a field of the wrong JSON type, the wrong content type or a body over 64 KiB.",
            error, ApiExamples.Error("The request body must be JSON: send the header Content-Type: application/json."));
        Respond(operation, 401, "Missing, unknown or revoked API key.", error, ApiExamples.Error(ApiExamples.InvalidApiKey));
        if (hasRouteId)
            Respond(operation, 404, "No such object for this API client's merchant and mode.", error, ApiExamples.Error("Payment intent not found."));
        if (operation.OperationId == "CreateIntent")
            Respond(operation, 409, "An intent with this reference_id already exists (data holds its intent_id), or a request with this Idempotency-Key is still running.",
                error, ApiExamples.Error("A payment intent with reference_id 'ORDER-123456' already exists.",
                    new JsonObject { ["intent_id"] = "pi_0193a5e2-7c1d-7b3e-9f4a-2d6c8e1f3a5b" }));
        else if (isPost)
            Respond(operation, 409, "The object is in a state that does not allow this, or a request with this Idempotency-Key is still running.",
                error, ApiExamples.Error("This payment intent is succeeded and can no longer be cancelled."));
        if (operation.OperationId == "CreateIntent")
            Respond(operation, 422, "Validation failed, field by field; or the Idempotency-Key was already used with a different body.",
                validation, ApiExamples.Validation());
        else if (isPost)
            Respond(operation, 422, validated
                    ? "Validation failed, field by field; or the Idempotency-Key was already used with a different body."
                    : "The Idempotency-Key was already used with a different body.", validation,
                ApiExamples.Validation("idempotency_key", $"The {IdempotencyFilter.Header} has already been used with a different request; use a new key for a new request."));
        else if (validated)
            Respond(operation, 422, "A query parameter is invalid.", validation,
                ApiExamples.Validation("per_page", "The per page must be an integer between 1 and 100."));
        Respond(operation, 500, "Something went wrong on our end; the message holds the correlation id.", error,
            ApiExamples.Error("Something went wrong on our end. Quote correlation id 0HN8V3J5K2L1M:00000001 to support."));

        if (ApiExamples.Success(operation.OperationId) is { } success
            && operation.Responses.TryGetValue("200", out var ok) && ok.Content?.TryGetValue(Json, out var okBody) == true)
            okBody.Example = success;

        if (operation.OperationId == "CreateIntent" && operation.RequestBody?.Content?.TryGetValue(Json, out var body) == true)
            body.Example = ApiExamples.Parse(ApiExamples.CreateIntentRequest);
    }

    private static void AddSecurity(OpenApiOperation operation, OpenApiDocument? document)
    {
        operation.Security ??= [];
        operation.Security.Add(new OpenApiSecurityRequirement
        {
            [new OpenApiSecuritySchemeReference(PaymentHubDocumentTransformer.ClientIdScheme, document)] = [],
            [new OpenApiSecuritySchemeReference(PaymentHubDocumentTransformer.ClientSecretScheme, document)] = [],
        });
    }

    /// <summary>Query binding ignores case, so the wire names are snake_case like the JSON.</summary>
    private static void NameQueryParameters(OpenApiOperation operation)
    {
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
            if (parameter.In == ParameterLocation.Query && parameter.Name is { } name)
                parameter.Name = JsonNamingPolicy.SnakeCaseLower.ConvertName(name);
    }

    private static void AddIdempotencyKey(OpenApiOperation operation)
    {
        operation.Parameters ??= [];
        if (operation.Parameters.Any(p => string.Equals(p.Name, IdempotencyFilter.Header, StringComparison.OrdinalIgnoreCase))) return;
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = IdempotencyFilter.Header,
            In = ParameterLocation.Header,
            Required = false,
            Description = "Recommended. Makes a retry safe: for 24 hours the same key with the same body replays the first answer " +
                "(marked Idempotent-Replayed: true) instead of acting twice. Scoped to the API client.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = 255 },
            Example = "2b244b3a-897f-4f3e-ad70-69ea39635b9e",
        });
    }

    private static void Respond(OpenApiOperation operation, int status, string description, IOpenApiSchema schema, JsonNode example)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!operation.Responses!.TryGetValue(key, out var existing) || existing is not OpenApiResponse response)
        {
            response = new OpenApiResponse();
            operation.Responses[key] = response;
        }
        response.Description = description;
        response.Content ??= new Dictionary<string, OpenApiMediaType>();
        if (!response.Content.TryGetValue(Json, out var media))
            response.Content[Json] = media = new OpenApiMediaType();
        media.Schema ??= schema;
        media.Example = example;
    }

    /// <summary>A reference to <typeparamref name="T"/>'s component schema, added when no endpoint declared it.</summary>
    private static async Task<IOpenApiSchema> SchemaAsync<T>(OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var document = context.Document!;
        var id = typeof(T).Name;
        if (document.Components?.Schemas?.ContainsKey(id) != true)
            document.AddComponent(id, await context.GetOrCreateSchemaAsync(typeof(T), null, ct));
        return new OpenApiSchemaReference(id, document);
    }

    /// <summary>The IResult types a handler can return, read from its Results&lt;...&gt; union.</summary>
    private static HashSet<Type> ResultTypes(Type? returnType)
    {
        var found = new HashSet<Type>();
        void Walk(Type t)
        {
            if (!found.Add(t.IsGenericType ? t.GetGenericTypeDefinition() : t)) return;
            if (t.IsGenericType) foreach (var arg in t.GetGenericArguments()) Walk(arg);
        }
        if (returnType is not null) Walk(returnType);
        return found;
    }
}
