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
        var errors = metadata.OfType<ErrorExample>().ToList();
        DescribeParameters(operation, metadata.OfType<ParameterDoc>().ToList());
        operation.Responses ??= new OpenApiResponses();
        var error = await SchemaAsync<ErrorEnvelope>(context, cancellationToken);

        if (!metadata.OfType<ApiKeyRequired>().Any())
        {
            // Open operations (the checkout's widget data): the payment token in the path is the only credential.
            operation.Security = [new OpenApiSecurityRequirement()];
            foreach (var group in errors.GroupBy(e => e.Status))
                Respond(operation, group.Key, string.Join(" ", group.Select(e => e.When)), error, group.Select(ErrorNode));
            AddExamples(operation, metadata);
            return;
        }

        var isPost = string.Equals(description.HttpMethod, HttpMethods.Post, StringComparison.OrdinalIgnoreCase);
        var path = description.RelativePath ?? "";
        var returns = ResultTypes(metadata.OfType<MethodInfo>().FirstOrDefault()?.ReturnType);
        // A request validator (Validate<T>) or a handler that returns 422 itself.
        var validated = returns.Contains(typeof(ApiValidationError))
            || metadata.OfType<Microsoft.AspNetCore.Http.Metadata.IProducesResponseTypeMetadata>().Any(m => m.StatusCode == StatusCodes.Status422UnprocessableEntity);

        AddSecurity(operation, context.Document);
        NameQueryParameters(operation);
        if (isPost) AddIdempotencyKey(operation);

        var validation = await SchemaAsync<ValidationEnvelope>(context, cancellationToken);

        if (isPost)
            Respond(operation, 400, "The body could not be read as a JSON object: not JSON, the wrong content type, over 64 KiB; or a bad Idempotency-Key header.",
                error, [ApiExamples.Error(ErrorCodes.MalformedJson, "The request body is not valid JSON (line 1, position 12).")]);
        Respond(operation, 401, "Missing, unknown or revoked API key.", error, [ApiExamples.Error(ErrorCodes.InvalidApiKey, ApiExamples.InvalidApiKey)]);

        var notFound = errors.Where(e => e.Status == 404).ToList();
        if (notFound.Count == 0 && (path.Contains("{intent_id}", StringComparison.Ordinal) || path.Contains("{reference_id}", StringComparison.Ordinal)))
            notFound.Add(new ErrorExample(404, ErrorCodes.IntentNotFound, "Payment intent not found.",
                "No such intent for this API client's merchant and mode."));
        if (notFound.Count > 0)
            Respond(operation, 404, string.Join(" ", notFound.Select(e => e.When)), error, notFound.Select(ErrorNode));

        var conflicts = errors.Where(e => e.Status == 409).ToList();
        if (isPost)
            conflicts.Add(new ErrorExample(409, ErrorCodes.IdempotencyKeyInUse,
                $"A request with this {IdempotencyFilter.Header} is still being processed; retry once it has finished.",
                "A request with this Idempotency-Key is still running."));
        if (conflicts.Count > 0)
            Respond(operation, 409, string.Join(" ", conflicts.Select(e => e.When)), error, conflicts.Select(ErrorNode));

        var invalid = new List<JsonNode>();
        if (operation.OperationId == "CreateIntent") invalid.Add(ApiExamples.Validation());
        else if (validated && isPost) invalid.Add(ApiExamples.Validation("amount", "The amount must not have more than 2 decimal places."));
        else if (validated) invalid.Add(ApiExamples.Validation("per_page", "The per page must be an integer between 1 and 100."));
        if (isPost)
            invalid.Add(ApiExamples.Validation("idempotency_key",
                $"The {IdempotencyFilter.Header} has already been used with a different request; use a new key for a new request.", ErrorCodes.IdempotencyKeyReused));
        if (invalid.Count > 0)
            Respond(operation, 422, (validated ? "Validation failed, field by field (each field's path and messages)." : "")
                + (isPost ? " Or: the Idempotency-Key was already used with a different body (code idempotency_key_reused)." : ""),
                validation, invalid);

        foreach (var group in errors.Where(e => e.Status is not (404 or 409)).GroupBy(e => e.Status))
            Respond(operation, group.Key, string.Join(" ", group.Select(e => e.When)), error, group.Select(ErrorNode));
        Respond(operation, 500, "Something went wrong on our end; the message holds the correlation id.", error,
            [ApiExamples.Error(ErrorCodes.InternalError, "Something went wrong on our end. Quote correlation id 0HN8V3J5K2L1M:00000001 to support.")]);

        AddExamples(operation, metadata);
    }

    private static JsonNode ErrorNode(ErrorExample e) =>
        ApiExamples.Error(e.Code, e.Message, e.DataJson is null ? null : JsonNode.Parse(e.DataJson));

    /// <summary>The success and request examples: the slice's own, else the shared ones by operation id.</summary>
    private static void AddExamples(OpenApiOperation operation, IList<object> metadata)
    {
        var success = metadata.OfType<ResponseExample>().FirstOrDefault() is { } r
            ? new JsonObject { ["success"] = true, ["data"] = JsonNode.Parse(r.DataJson) }
            : ApiExamples.Success(operation.OperationId);
        if (success is not null && operation.Responses!.TryGetValue("200", out var ok) && ok.Content?.TryGetValue(Json, out var okBody) == true)
            okBody.Example = success;

        var request = metadata.OfType<RequestExample>().FirstOrDefault()?.Json
            ?? (operation.OperationId == "CreateIntent" ? ApiExamples.CreateIntentRequest : null);
        if (request is not null && operation.RequestBody?.Content?.TryGetValue(Json, out var body) == true)
            body.Example = ApiExamples.Parse(request);
    }

    /// <summary>
    /// Every parameter described, with its real type: the slice's own descriptions first, then the
    /// ones all operations share (paging, the ids in paths). Query records bind text so that the
    /// validators can answer in words; the reference shows the type the value must have.
    /// </summary>
    private static void DescribeParameters(OpenApiOperation operation, IReadOnlyList<ParameterDoc> docs)
    {
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            var name = parameter.Name is { } n ? JsonNamingPolicy.SnakeCaseLower.ConvertName(n) : "";
            var doc = docs.FirstOrDefault(d => d.Name == name) ?? SharedParameters.GetValueOrDefault(name);
            if (doc is null)
            {
                parameter.Description ??= $"The {name.Replace('_', ' ')}.";
                continue;
            }
            parameter.Description = doc.Description;
            var schema = new OpenApiSchema { Type = doc.Type, Format = doc.Format };
            if (doc.Values is { } values) schema.Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))];
            if (doc.Minimum is { } min) schema.Minimum = min.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (doc.Maximum is { } max) schema.Maximum = max.ToString(System.Globalization.CultureInfo.InvariantCulture);
            parameter.Schema = schema;
            if (doc.Example is { } example) parameter.Example = JsonValue.Create(example);
        }
    }

    private static readonly Dictionary<string, ParameterDoc> SharedParameters = new(StringComparer.Ordinal)
    {
        ["page"] = new("page", "Page number, from 1 (default 1).", JsonSchemaType.Integer, Minimum: 1),
        ["per_page"] = new("per_page", $"Items per page, 1 to {Paging.MaxPerPage} (default {Paging.DefaultPerPage}).", JsonSchemaType.Integer,
            Minimum: 1, Maximum: Paging.MaxPerPage),
        ["intent_id"] = new("intent_id", "The intent's id (pi_…), as create returned it.", Example: "pi_0193a5e2-7c1d-7b3e-9f4a-2d6c8e1f3a5b"),
        ["reference_id"] = new("reference_id", "Your reference_id of the intent.", Example: "ORDER-123456"),
        ["token"] = new("token", "The payment token: the last part of the intent's payment_url.", Example: "Jx3vQm9sT2kLp8RwZa4bYc7dEf1gHh5i"),
        ["endpoint_id"] = new("endpoint_id", "The webhook endpoint's id (we_…), as create returned it.", Example: "we_0193a5e2-8a4b-7c2d-9e1f-3a5b7c9d1e2f"),
        ["event_id"] = new("event_id", "The event's id (evt_…), as in the payload's event_id and the webhook-id header.",
            Example: "evt_0193a5e3-1c2d-7e4f-8a9b-0c1d2e3f4a5b"),
    };

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

    private static void Respond(OpenApiOperation operation, int status, string description, IOpenApiSchema schema, IEnumerable<JsonNode> examples)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!operation.Responses!.TryGetValue(key, out var existing) || existing is not OpenApiResponse response)
        {
            response = new OpenApiResponse();
            operation.Responses[key] = response;
        }
        response.Description = description.Trim();
        response.Content ??= new Dictionary<string, OpenApiMediaType>();
        if (!response.Content.TryGetValue(Json, out var media))
            response.Content[Json] = media = new OpenApiMediaType();
        media.Schema ??= schema;
        var list = examples.ToList();
        if (list.Count == 1)
        {
            media.Example = list[0];
            return;
        }
        media.Example = null;
        media.Examples = list.ToDictionary(
            e => (string?)e["code"] ?? (e["errors"] is JsonObject errors ? errors.First().Key : "example"),
            e => (IOpenApiExample)new OpenApiExample { Summary = (string?)e["code"] ?? "Validation", Value = e });
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
