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
/// retried. A replay never runs the handler, so it never repeats a side effect.
/// </summary>
public sealed class IdempotencyFilter(DbWriter writer, Db db, TimeProvider clock, ILogger<IdempotencyFilter> logger) : IEndpointFilter
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);
    // A claim whose request never finished (a crash) may be taken over after this long.
    private static readonly TimeSpan InFlightLease = TimeSpan.FromMinutes(2);

    private const string ClaimSql = """
        INSERT INTO idempotency_keys (client_id, idem_key, request_hash, created_at, locked_until)
        VALUES (@ClientId, @Key, @Hash, @Now, @LockedUntil)
        ON CONFLICT (client_id, idem_key) DO UPDATE SET
            request_hash = excluded.request_hash, status_code = NULL, content_type = NULL,
            response_body = NULL, created_at = excluded.created_at, locked_until = excluded.locked_until
        WHERE idempotency_keys.created_at < @ExpiredBefore
           OR (idempotency_keys.status_code IS NULL AND idempotency_keys.locked_until < @Now)
        RETURNING client_id
        """;

    private const string ExistingSql = """
        SELECT request_hash AS RequestHash, status_code AS StatusCode, content_type AS ContentType, response_body AS ResponseBody
        FROM idempotency_keys WHERE client_id = @ClientId AND idem_key = @Key
        """;

    private const string CompleteSql = """
        UPDATE idempotency_keys SET status_code = @Status, content_type = @ContentType, response_body = @Body
        WHERE client_id = @ClientId AND idem_key = @Key
        """;

    private const string ReleaseSql = "DELETE FROM idempotency_keys WHERE client_id = @ClientId AND idem_key = @Key";

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
        return ctx => filter.InvokeAsync(ctx, next);
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext ctx, EndpointFilterDelegate next)
    {
        var http = ctx.HttpContext;
        if (!HttpMethods.IsPost(http.Request.Method) || !http.Request.Headers.TryGetValue(Header, out var values))
            return await next(ctx);

        var key = values.ToString();
        if (key.Length is 0 or > 255 || !key.All(c => c is >= ' ' and <= '~'))
            return ApiError.BadRequest(ErrorCodes.InvalidIdempotencyKey,
                $"The {Header} header must be 1 to 255 printable ASCII characters; a UUID is a good choice.");
        var caller = (Caller)http.Items[Caller.ItemKey]!;
        var hash = await HashAsync(http);
        var now = clock.GetUtcNow();

        var claimed = await writer.WriteAsync(tx => Task.FromResult(tx.Scalar<string>(ClaimSql,
            ("ClientId", caller.ClientId), ("Key", key), ("Hash", hash), ("Now", now.ToUnixTimeMilliseconds()),
            ("LockedUntil", (now + InFlightLease).ToUnixTimeMilliseconds()),
            ("ExpiredBefore", (now - Retention).ToUnixTimeMilliseconds()))),
            // One INSERT … ON CONFLICT DO UPDATE … WHERE: atomic by itself.
            WriteIsolation.ReadCommitted);

        if (claimed is null)
        {
            await using var connection = await db.OpenReadAsync(http.RequestAborted);
            var stored = await connection.QuerySingleAsync<Stored>(ExistingSql, new { caller.ClientId, Key = key });
            if (stored.RequestHash != hash)
                return ApiValidationError.For("idempotency_key",
                    $"The {Header} has already been used with a different request; use a new key for a new request.", ErrorCodes.IdempotencyKeyReused);
            if (stored.StatusCode is null)
                return ApiError.Conflict(ErrorCodes.IdempotencyKeyInUse, $"A request with this {Header} is still being processed; retry once it has finished.");
            return new Replay((int)stored.StatusCode.Value, stored.ContentType, stored.ResponseBody ?? []);
        }

        try
        {
            var result = await next(ctx);
            if (result is not IResult answer)
            {
                await ReleaseAsync(caller.ClientId, key);
                return result;
            }

            var (status, contentType, body) = await RenderAsync(http, answer);
            if (status >= 500)
                await ReleaseAsync(caller.ClientId, key);
            else
                await writer.WriteAsync(tx => Task.FromResult(tx.Execute(CompleteSql,
                    ("Status", status), ("ContentType", contentType), ("Body", body), ("ClientId", caller.ClientId), ("Key", key))),
                    WriteIsolation.ReadCommitted);
            return new Replay(status, contentType, body, replayed: false);
        }
        catch
        {
            // No answer was kept, so the key may be used again.
            try { await ReleaseAsync(caller.ClientId, key); }
            catch (Exception ex) { logger.LogError(ex, "Could not release idempotency key after a failed request"); }
            throw;
        }
    }

    private Task<int> ReleaseAsync(string clientId, string key) =>
        writer.WriteAsync(tx => Task.FromResult(tx.Execute(ReleaseSql, ("ClientId", clientId), ("Key", key))), WriteIsolation.ReadCommitted);

    private static async Task<string> HashAsync(HttpContext http)
    {
        var body = await JsonBody.ReadRawAsync(http);
        var head = Encoding.UTF8.GetBytes($"{http.Request.Method} {http.Request.Path}\n");
        return Convert.ToHexString(SHA256.HashData([.. head, .. body]));
    }

    /// <summary>Runs the result into memory so its status and bytes can be kept.</summary>
    private static async Task<(int Status, string? ContentType, byte[] Body)> RenderAsync(HttpContext http, IResult result)
    {
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
            await http.Response.Body.WriteAsync(body, http.RequestAborted);
        }
    }
}
