using System.Security.Cryptography;
using System.Text;
using Dapper;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Http;

namespace PaymentHub.Infrastructure.Idempotency;

/// <summary>
/// <c>Idempotency-Key</c> on POST, scoped to the API client: the first request's answer is kept for
/// 24 hours and replayed for the same key and body (<c>Idempotent-Replayed: true</c>); a different
/// body is 422; the same key while the first is running is 409; a 5xx is not kept, so the key can be
/// retried. A replay never repeats a side effect: the key is claimed before the handler writes anything.
/// </summary>
/// <remarks>
/// Two ways to claim. By default the claim is a commit of its own before the handler runs, and the
/// answer another after it: right for handlers that call a gateway or write more than once. An
/// endpoint whose handler writes once (<see cref="ClaimsIdempotencyKeyInItsWriteAttribute"/> on its handler)
/// claims the key in that write's own unit, as its first statement, and keeps its answer there too:
/// one commit for the whole request, and a claim that can never outlive a write that failed.
/// </remarks>
public sealed class IdempotencyFilter(DbWriter writer, Db db, TimeProvider clock, ILogger<IdempotencyFilter> logger) : IEndpointFilter
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);
    // A claim whose request never finished (a crash) may be taken over after this long.
    internal static readonly TimeSpan InFlightLease = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Claims a key, with the answer when the claiming unit knows it already (else NULLs: in flight).
    /// One row inserted means claimed; none, that the key is there already (see <see cref="FreeSql"/>).
    /// Counted rather than RETURNING a column, which SQLite runs as a trigger filling a temporary
    /// table: a cost on the writer's thread for every keyed request.
    /// </summary>
    internal const string ClaimSql = """
        INSERT INTO idempotency_keys (client_id, idem_key, request_hash, status_code, content_type, response_body, created_at, locked_until)
        VALUES (@ClientId, @Key, @Hash, @Status, @ContentType, @Body, @Now, @LockedUntil)
        ON CONFLICT (client_id, idem_key) DO NOTHING
        """;

    /// <summary>
    /// Frees a key that is there but past its 24 hours, or whose first request never finished (a crash),
    /// so that it can be claimed again: deleted and inserted anew, it gets a new number, which keeps the
    /// keys in claim order for the purge (<see cref="IdempotencyPurge"/>).
    /// </summary>
    internal const string FreeSql = """
        DELETE FROM idempotency_keys
        WHERE client_id = @ClientId AND idem_key = @Key
          AND (created_at < @ExpiredBefore OR (status_code IS NULL AND locked_until < @Now))
        """;

    private const string ExistingSql = """
        SELECT request_hash AS RequestHash, status_code AS StatusCode, content_type AS ContentType, response_body AS ResponseBody
        FROM idempotency_keys WHERE client_id = @ClientId AND idem_key = @Key
        """;

    internal const string CompleteSql = """
        UPDATE idempotency_keys SET status_code = @Status, content_type = @ContentType, response_body = @Body
        WHERE client_id = @ClientId AND idem_key = @Key
        """;

    /// <summary>This request's own claim only: its time and body, and no answer kept yet.</summary>
    private const string ReleaseSql = """
        DELETE FROM idempotency_keys
        WHERE client_id = @ClientId AND idem_key = @Key AND created_at = @Now AND request_hash = @Hash AND status_code IS NULL
        """;

    private sealed record Stored(string RequestHash, long? StatusCode, string? ContentType, byte[]? ResponseBody);

    /// <summary>
    /// The filter of one endpoint, made once when the endpoint is built (its services are singletons).
    /// <c>AddEndpointFilter&lt;IdempotencyFilter&gt;()</c> would compile a factory for each route group at
    /// start (an expression tree, and a first-chance exception inside ASP.NET Core) and make a filter per request.
    /// </summary>
    public static EndpointFilterDelegate Factory(EndpointFilterFactoryContext context, EndpointFilterDelegate next)
    {
        var services = context.ApplicationServices;
        var filter = new IdempotencyFilter(services.GetRequiredService<DbWriter>(), services.GetRequiredService<Db>(),
            services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILogger<IdempotencyFilter>>());
        var inHandlersWrite = context.MethodInfo.IsDefined(typeof(ClaimsIdempotencyKeyInItsWriteAttribute), inherit: false);
        return inHandlersWrite ? ctx => filter.InvokeClaimingInHandlersWriteAsync(ctx, next) : ctx => filter.InvokeAsync(ctx, next);
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext ctx, EndpointFilterDelegate next)
    {
        var http = ctx.HttpContext;
        if (await ReadKeyAsync(http) is not { } request) return await next(ctx);
        if (request.Error is { } error) return error;

        var claimed = await writer.WriteAsync(tx => Task.FromResult(request.Claim(tx)),
            // An INSERT … ON CONFLICT DO NOTHING, and for a key to free a DELETE and the INSERT again:
            // of two requests racing for one key, one insert finds the other's row and claims nothing.
            WriteIsolation.ReadCommitted);
        if (!claimed) return await ExistingAnswerAsync(http, request);

        try
        {
            var result = await next(ctx);
            if (result is not IResult answer)
            {
                await ReleaseAsync(request);
                return result;
            }
            return await KeepAsync(http, request, answer);
        }
        catch
        {
            await ReleaseQuietlyAsync(request);
            throw;
        }
    }

    /// <summary>
    /// For an endpoint whose handler claims the key in its own write (<see cref="IdempotentRequest"/>):
    /// no commit here when that write keeps the answer; one when the handler answered without
    /// writing (a validation error, say), which claims the key and keeps the answer together.
    /// </summary>
    public async ValueTask<object?> InvokeClaimingInHandlersWriteAsync(EndpointFilterInvocationContext ctx, EndpointFilterDelegate next)
    {
        var http = ctx.HttpContext;
        if (await ReadKeyAsync(http) is not { } request) return await next(ctx);
        if (request.Error is { } error) return error;

        http.Items[IdempotentRequest.ItemKey] = request;
        object? result;
        try
        {
            result = await next(ctx);
        }
        catch (IdempotentRequest.KeyTakenException)
        {
            return await ExistingAnswerAsync(http, request);
        }
        catch
        {
            // The handler's unit rolled back with its claim, or committed it and failed after:
            // either way no answer was kept, so the key may be used again.
            if (request.ClaimedOnce) await ReleaseQuietlyAsync(request);
            throw;
        }

        if (request.KeptAnswer is { } kept) return new Replay(kept.Status, kept.ContentType, kept.Body, replayed: false);
        if (request.ClaimedOnce)
        {
            // Claimed in the handler's write, answered without keeping it there (a rarer path).
            if (result is IResult claimedAnswer) return await KeepAsync(http, request, claimedAnswer);
            await ReleaseAsync(request);
            return result;
        }
        if (result is not IResult answer) return result;

        // Nothing written: claim the key and keep the answer in one unit.
        var (status, contentType, body) = await RenderAsync(http, answer);
        if (status >= 500) return new Replay(status, contentType, body, replayed: false);
        var stored = KeptAnswers.Pack(body);
        var kept2 = await writer.WriteAsync(tx =>
        {
            // The claim and the answer in one statement.
            return Task.FromResult(request.Claim(tx, (status, contentType, stored)));
        }, WriteIsolation.ReadCommitted);
        return kept2 ? new Replay(status, contentType, body, replayed: false) : await ExistingAnswerAsync(http, request);
    }

    /// <summary>The request's key and body hash; null without a key; a request carrying <see cref="IdempotentRequest.Error"/> for a bad one.</summary>
    private async Task<IdempotentRequest?> ReadKeyAsync(HttpContext http)
    {
        if (!HttpMethods.IsPost(http.Request.Method) || !http.Request.Headers.TryGetValue(Header, out var values))
            return null;
        var key = values.ToString();
        if (key.Length is 0 or > 255 || key.AsSpan().ContainsAnyExceptInRange(' ', '~'))
            return new IdempotentRequest(ApiError.BadRequest(ErrorCodes.InvalidIdempotencyKey,
                $"The {Header} header must be 1 to 255 printable ASCII characters; a UUID is a good choice."));
        var caller = (Caller)http.Items[Caller.ItemKey]!;
        return new IdempotentRequest(caller.ClientId, key, await HashAsync(http), clock.GetUtcNow());
    }

    /// <summary>What the key's first request left: its answer replayed, or 409 while it runs, or 422 for another body.</summary>
    private async Task<object?> ExistingAnswerAsync(HttpContext http, IdempotentRequest request)
    {
        await using var connection = await db.OpenReadAsync(http.RequestAborted);
        var stored = await connection.QuerySingleOrDefaultAsync<Stored>(ExistingSql, new { request.ClientId, request.Key });
        // Gone already: its first request failed and released it; this one may try again.
        if (stored is null) return InUse();
        if (stored.RequestHash != request.Hash)
            return ApiValidationError.For("idempotency_key",
                $"The {Header} has already been used with a different request; use a new key for a new request.", ErrorCodes.IdempotencyKeyReused);
        if (stored.StatusCode is null) return InUse();
        return new Replay((int)stored.StatusCode.Value, stored.ContentType, KeptAnswers.Unpack(stored.ResponseBody ?? []));
    }

    private static ApiError InUse() =>
        ApiError.Conflict(ErrorCodes.IdempotencyKeyInUse, $"A request with this {Header} is still being processed; retry once it has finished.");

    /// <summary>Keeps the answer of a claimed key (a 5xx releases it instead) and gives it.</summary>
    private async Task<object?> KeepAsync(HttpContext http, IdempotentRequest request, IResult answer)
    {
        var (status, contentType, body) = await RenderAsync(http, answer);
        if (status >= 500)
            await ReleaseAsync(request);
        else
        {
            var stored = KeptAnswers.Pack(body);
            await writer.WriteAsync(tx => { request.Keep(tx, status, contentType, stored); return Task.FromResult(0); }, WriteIsolation.ReadCommitted);
        }
        return new Replay(status, contentType, body, replayed: false);
    }

    private Task<int> ReleaseAsync(IdempotentRequest request) =>
        writer.WriteAsync(tx => Task.FromResult(tx.Execute(ReleaseSql, ("ClientId", request.ClientId), ("Key", request.Key),
            ("Now", request.Now.ToUnixTimeMilliseconds()), ("Hash", request.Hash))), WriteIsolation.ReadCommitted);

    private async Task ReleaseQuietlyAsync(IdempotentRequest request)
    {
        try { await ReleaseAsync(request); }
        catch (Exception ex) { logger.LogError(ex, "Could not release idempotency key after a failed request"); }
    }

    /// <summary>SHA-256 of "METHOD /path\n" and the body, as 64 hex digits.</summary>
    private static async Task<string> HashAsync(HttpContext http)
    {
        var body = await JsonBody.ReadRawAsync(http);
        return Hash($"{http.Request.Method} {http.Request.Path}\n", body);
    }

    internal static string Hash(string head, ReadOnlySpan<byte> body)
    {
        var headLength = Encoding.UTF8.GetByteCount(head);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(headLength + body.Length);
        try
        {
            Encoding.UTF8.GetBytes(head, buffer);
            body.CopyTo(buffer.AsSpan(headLength));
            Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(buffer.AsSpan(0, headLength + body.Length), digest);
            return Convert.ToHexString(digest);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Runs the result into memory so its status and bytes can be kept.</summary>
    internal static async Task<(int Status, string? ContentType, byte[] Body)> RenderAsync(HttpContext http, IResult result)
    {
        // An answer that writes its own JSON is rendered into a buffer directly: swapping the
        // response's body for a stream costs a stream, a pipe writer over it and two feature swaps.
        if (result is IRenderableResult renderable && renderable.Render(http) is { } rendered) return rendered;
        var original = http.Response.Body;
        using var buffer = new MemoryStream();
        http.Response.Body = buffer;
        try
        {
            await result.ExecuteAsync(http);
        }
        finally
        {
            http.Response.Body = original;
        }
        return (http.Response.StatusCode, http.Response.ContentType, buffer.ToArray());
    }

    private sealed class Replay(int status, string? contentType, byte[] body, bool replayed = true) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = status;
            if (contentType is not null) http.Response.ContentType = contentType;
            if (replayed) http.Response.Headers[ReplayedHeader] = "true";
            http.Response.ContentLength = body.Length;
            // Into the response's pipe, as the API's own answers are written: the body stream's first
            // write starts the response through a slower path of its own.
            await http.Response.BodyWriter.WriteAsync(body, http.RequestAborted);
        }
    }
}
