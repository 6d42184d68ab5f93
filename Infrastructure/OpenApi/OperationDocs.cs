using Microsoft.OpenApi;

namespace PaymentHub.Infrastructure.OpenApi;

/// <summary>The 200 body the reference shows for an operation (its data, without the envelope), as JSON text.</summary>
public sealed record ResponseExample(string DataJson);

/// <summary>The request body the reference shows for an operation, as JSON text (numbers keep their spelling).</summary>
public sealed record RequestExample(string Json);

/// <summary>An error answer an operation gives beyond the ones every platform operation shares.</summary>
public sealed record ErrorExample(int Status, string Code, string Message, string When, string? DataJson = null);

/// <summary>What a path or query parameter means and which values it takes.</summary>
public sealed record ParameterDoc(string Name, string Description, JsonSchemaType Type = JsonSchemaType.String,
    string[]? Values = null, string? Format = null, int? Minimum = null, int? Maximum = null, string? Example = null);

/// <summary>
/// How a slice tells the reference about its operation, next to its route: examples, its own error
/// answers, and its parameters. The operation transformer adds what all platform operations share.
/// </summary>
public static class OperationDocs
{
    public static RouteHandlerBuilder WithResponseExample(this RouteHandlerBuilder builder, string dataJson) =>
        builder.WithMetadata(new ResponseExample(dataJson));

    public static RouteHandlerBuilder WithRequestExample(this RouteHandlerBuilder builder, string json) =>
        builder.WithMetadata(new RequestExample(json));

    public static RouteHandlerBuilder WithErrors(this RouteHandlerBuilder builder, params ErrorExample[] errors) =>
        builder.WithMetadata([.. errors]);

    public static RouteHandlerBuilder WithParameters(this RouteHandlerBuilder builder, params ParameterDoc[] parameters) =>
        builder.WithMetadata([.. parameters]);
}
