using System.Reflection;

namespace PaymentHub.Infrastructure.Auth;

/// <summary>The API client making the request: its merchant and its mode.</summary>
public sealed record Caller(string ClientId, string MerchantId, string Mode) : IBindableFromHttpContext<Caller>
{
    /// <summary>Who an intent's log names for what this caller does: "api" for API clients, "admin" for the admin panel acting through the same handlers.</summary>
    public string Actor { get; init; } = "api";

    /// <summary>The caller's key in the request's items: an object, not a string, so a lookup hashes a reference, not text.</summary>
    internal static readonly object ItemKey = new();

    public static ValueTask<Caller?> BindAsync(HttpContext ctx, ParameterInfo parameter) =>
        ValueTask.FromResult<Caller?>(ctx.Items[ItemKey] as Caller
            ?? throw new InvalidOperationException("The endpoint takes a Caller but does not require an API key."));
}

/// <summary>Checks a Client ID and Secret pair; implemented by the Merchants module, which owns the clients.</summary>
public interface IApiKeyVerifier
{
    Task<Caller?> VerifyAsync(string clientId, string clientSecret, CancellationToken ct);
}

/// <summary>Marks endpoints that need <c>X-Client-ID</c> and <c>X-Client-Secret</c>.</summary>
public sealed class ApiKeyRequired;

/// <summary>
/// Authenticates requests to endpoints marked <see cref="ApiKeyRequired"/>, before their
/// arguments are bound, so handlers can take a <see cref="Caller"/>. Missing, unknown, revoked or
/// wrong keys all get the same 401, so the answer says nothing about which part was wrong.
/// The verifier (a singleton) comes through the constructor: an <c>InvokeAsync</c> with more
/// parameters than the context makes <c>UseMiddleware</c> compile an expression tree at start and
/// look the service up on every request.
/// </summary>
public sealed class ApiKeyAuthentication(RequestDelegate next, IApiKeyVerifier verifier)
{
    public const string ClientIdHeader = "X-Client-ID";
    public const string ClientSecretHeader = "X-Client-Secret";

    public async Task InvokeAsync(HttpContext ctx)
    {
        if (ctx.GetEndpoint()?.Metadata.GetMetadata<ApiKeyRequired>() is null)
        {
            await next(ctx);
            return;
        }

        var id = ctx.Request.Headers[ClientIdHeader].ToString();
        var secret = ctx.Request.Headers[ClientSecretHeader].ToString();
        var caller = id.Length > 0 && secret.Length > 0 && id.Length <= 200 && secret.Length <= 200
            ? await verifier.VerifyAsync(id, secret, ctx.RequestAborted)
            : null;
        if (caller is null)
        {
            await Http.ApiError.Unauthorized().ExecuteAsync(ctx);
            return;
        }
        ctx.Items[Caller.ItemKey] = caller;
        await next(ctx);
    }
}
