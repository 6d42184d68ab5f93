using System.Security.Cryptography;
using System.Text.Json.Serialization;
using Dapper;
using FluentValidation;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using PaymentHub.Infrastructure;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.Security;

namespace PaymentHub.Features.Webhooks;

/// <summary>The event types an endpoint can subscribe to (every one by default). <c>ping</c> is sent only on request.</summary>
public static class EventTypes
{
    public const string Ping = "ping";
    public const string All = "*";

    public static readonly IReadOnlyList<string> Known =
    [
        "payment.succeeded", "payment.failed", "payment.canceled", "payment.expired", "payment.captured", "payment.refunded",
        "subscription.created", "subscription.renewed", "subscription.failed", "subscription.canceled",
    ];

    /// <summary>The stored form: space-separated, or null for every type.</summary>
    public static string? Store(IReadOnlyCollection<string?>? types) =>
        types is null || types.Count == 0 || types.Contains(All) ? null : string.Join(' ', types.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));

    public static IReadOnlyList<string> Read(string? stored) => stored is null ? [All] : stored.Split(' ');
}

/// <summary>
/// Endpoint secrets at rest: encrypted with ASP.NET Core Data Protection (the key ring in the data
/// folder), because PaymentHub needs the secret itself to sign; a hash would not do.
/// </summary>
public sealed class WebhookSecrets(IDataProtectionProvider protection)
{
    public const string ProtectionPurpose = "PaymentHub.WebhookSecrets";

    private readonly IDataProtector _protector = protection.CreateProtector(ProtectionPurpose);

    public string Protect(string secret) => _protector.Protect(secret);

    public string Unprotect(string endpointId, string stored)
    {
        try
        {
            return _protector.Unprotect(stored);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidOperationException(
                $"The signing secret of webhook endpoint {endpointId} cannot be decrypted: the Data Protection keys in the data folder's keys/ directory were lost or replaced. Rotate the endpoint's secret.", ex);
        }
    }
}

/// <summary>A webhook endpoint as the API shows it. <c>secret</c> appears only in the answers to create and rotate-secret.</summary>
public sealed record EndpointView(
    string Id, string Url, string? Description, IReadOnlyList<string> EventTypes, bool XSignature, bool Enabled,
    string? DisabledReason, string? DisabledAt, string? FailingSince, string? PreviousSecretExpiresAt, bool Livemode,
    string CreatedAt, string UpdatedAt)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Secret { get; init; }
}

/// <summary>webhook_endpoints as stored.</summary>
public sealed class EndpointRow
{
    public required string Id { get; init; }
    public required string MerchantId { get; init; }
    public required string Mode { get; init; }
    public required string Url { get; init; }
    public string? Description { get; init; }
    public string? EventTypes { get; init; }
    public bool XSignature { get; init; }
    public bool Enabled { get; init; }
    public string? DisabledReason { get; init; }
    public long? DisabledAt { get; init; }
    public long? FailingSince { get; init; }
    public long? PreviousSecretExpiresAt { get; init; }
    public long CreatedAt { get; init; }
    public long UpdatedAt { get; init; }

    public EndpointView View(DateTimeOffset now) => new(Id, Url, Description, Webhooks.EventTypes.Read(EventTypes), XSignature, Enabled,
        DisabledReason, Formats.Timestamp(DisabledAt), Formats.Timestamp(FailingSince),
        PreviousSecretExpiresAt > now.ToUnixTimeMilliseconds() ? Formats.Timestamp(PreviousSecretExpiresAt) : null,
        Mode == "live", Formats.Timestamp(CreatedAt), Formats.Timestamp(UpdatedAt));
}

/// <summary>Reading and changing endpoints, for the endpoint slices and the dispatcher.</summary>
public static class Endpoints
{
    public const string Columns = """
        id AS Id, merchant_id AS MerchantId, mode AS Mode, url AS Url, description AS Description, event_types AS EventTypes,
        x_signature AS XSignature, enabled AS Enabled, disabled_reason AS DisabledReason, disabled_at AS DisabledAt,
        failing_since AS FailingSince, previous_secret_expires_at AS PreviousSecretExpiresAt, created_at AS CreatedAt, updated_at AS UpdatedAt
        """;

    /// <summary>The caller's endpoint (its merchant and mode, not deleted), or null.</summary>
    public const string FindSql = $"""
        SELECT {Columns} FROM webhook_endpoints
        WHERE id = @Id AND merchant_id = @MerchantId AND mode = @Mode AND deleted_at IS NULL
        """;

    public static object Key(string id, Caller caller) => new { Id = id, caller.MerchantId, caller.Mode };

    /// <summary>The caller's endpoint, read inside a unit of work, or null.</summary>
    public static Task<EndpointRow?> FindAsync(DbTx tx, string id, Caller caller) =>
        tx.Connection.QuerySingleOrDefaultAsync<EndpointRow>(FindSql, Key(id, caller), tx.Transaction);

    private const string DisableSql = """
        UPDATE webhook_endpoints SET enabled = 0, disabled_reason = @Reason, disabled_at = @Now, updated_at = @Now
        WHERE id = @Id AND enabled = 1
        """;

    private const string AbandonSql = """
        UPDATE webhook_deliveries SET status = 'dead', next_attempt_at = NULL, last_error = @Reason, updated_at = @Now
        WHERE endpoint_id = @Id AND status = 'pending'
        """;

    /// <summary>
    /// Stops sending to an endpoint: it is disabled with its reason, and what was still waiting for
    /// it is marked dead with that reason (redeliver-dead sends it again once the endpoint is enabled).
    /// False when it was disabled already.
    /// </summary>
    public static bool Disable(DbTx tx, string id, string reason, DateTimeOffset now)
    {
        var at = now.ToUnixTimeMilliseconds();
        if (tx.Execute(DisableSql, ("Reason", reason), ("Now", at), ("Id", id)) == 0) return false;
        tx.Execute(AbandonSql, ("Reason", "Not sent: the endpoint was disabled. " + reason), ("Now", at), ("Id", id));
        return true;
    }
}

/// <summary>The fields an endpoint is created or changed with; create requires url, PATCH changes what is given.</summary>
public abstract record EndpointFields
{
    public string? Url { get; init; }
    public string? Description { get; init; }
    public List<string?>? EventTypes { get; init; }
    public bool? Enabled { get; init; }
    public bool? XSignature { get; init; }
}

public static class EndpointRules
{
    public const int MaxUrlLength = 2048;
    public const int MaxDescriptionLength = 500;

    /// <summary>The rules of every field that is given: an absolute http(s) URL, a short description, known event types.</summary>
    public static void RulesForEndpointFields<T>(this AbstractValidator<T> validator) where T : EndpointFields
    {
        validator.RuleFor(r => r.Url)
            .MaximumLength(MaxUrlLength).WithMessage(Messages.MaxChars(MaxUrlLength))
            .Must(u => u is null || Checks.IsHttpUrl(u)).WithMessage("The :attribute must be an absolute http or https URL.");
        validator.RuleFor(r => r.Description).MaximumLength(MaxDescriptionLength).WithMessage(Messages.MaxChars(MaxDescriptionLength));
        validator.RuleFor(r => r.EventTypes)
            .Must(t => t is null || t.Count <= Webhooks.EventTypes.Known.Count + 1).WithMessage("The :attribute has too many entries.");
        validator.RuleForEach(r => r.EventTypes)
            .Must(t => t == Webhooks.EventTypes.All || Webhooks.EventTypes.Known.Contains(t))
            .WithMessage($"The :attribute must be \"*\" or one of: {string.Join(", ", Webhooks.EventTypes.Known)}.");
    }
}

/// <summary>What the endpoint slices share.</summary>
public sealed record EndpointServices([FromServices] Db Db, [FromServices] DbWriter Writer, [FromServices] WebhookSecrets Secrets, [FromServices] TimeProvider Clock, [FromServices] IHostResolver Resolver,
    [FromServices] IOptions<WebhookOptions> Options)
{
    /// <summary>
    /// Why a live-mode endpoint may not use <paramref name="url"/> (a loopback, private, link-local or
    /// metadata address, directly or after name resolution), as a 422 on url; null when it may. Test
    /// mode may use any address, and so may live mode when the operator's setting allows it.
    /// </summary>
    public async Task<ApiValidationError?> RefuseAddressAsync(string url, Caller caller, CancellationToken ct)
    {
        if (caller.Mode != "live" || Options.Value.AllowPrivateAddresses) return null;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(5));
        string? why;
        try
        {
            why = await PublicAddresses.RefusalAsync(new Uri(url), Resolver.ResolveAsync, deadline.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            why = null; // A name that does not resolve in time is checked again at every send.
        }
        return why is null ? null : ApiValidationError.For("url",
            $"The url must reach a public address in live mode: {why}. Use test mode to send to a local receiver.");
    }
}
