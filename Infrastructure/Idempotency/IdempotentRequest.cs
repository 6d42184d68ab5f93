using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Http;

namespace PaymentHub.Infrastructure.Idempotency;

/// <summary>
/// A request's <c>Idempotency-Key</c>, handed to a handler that claims it in its own write (endpoints
/// marked with <see cref="ClaimsIdempotencyKeyInItsWriteAttribute"/> on their handler). The handler
/// renders its answer first (<see cref="PrepareAnswerAsync"/>), then in its unit calls
/// <see cref="TryClaim"/> before anything else (the claim is written with that answer) and, having
/// written, <see cref="KeepAnswer"/> — or, when the unit ends up answering something else,
/// <see cref="AnswerOtherwise"/>; after the unit, <see cref="ThrowIfTaken"/>. So the claim, the
/// handler's rows and the kept answer commit together, in one statement for the key.
/// </summary>
public sealed class IdempotentRequest
{
    internal static readonly object ItemKey = new(); // an object: a lookup hashes a reference, not text

    internal IdempotentRequest(string clientId, string key, string hash, DateTimeOffset now)
    {
        ClientId = clientId;
        Key = key;
        Hash = hash;
        Now = now;
    }

    internal IdempotentRequest(ApiError error)
    {
        ClientId = Key = Hash = "";
        Error = error;
    }

    internal string ClientId { get; }
    internal string Key { get; }
    internal string Hash { get; }
    internal DateTimeOffset Now { get; }
    internal ApiError? Error { get; }

    // The prepared answer, and its body as it is stored (KeptAnswers).
    private (int Status, string? ContentType, byte[] Body, byte[] StoredBody)? _prepared;
    // Written by the unit on the writer's thread and read by the request once the unit has returned.
    private bool _taken;
    private bool _keptPrepared;

    /// <summary>Whether a run of a unit claimed the key (whether that run committed is the caller's to know).</summary>
    internal bool ClaimedOnce { get; private set; }

    /// <summary>The answer kept in the handler's unit; set only when that unit claimed the key and kept it.</summary>
    internal (int Status, string? ContentType, byte[] Body)? KeptAnswer =>
        _keptPrepared && _prepared is { } p ? (p.Status, p.ContentType, p.Body) : null;

    /// <summary>The key of the request being handled, when it carries one and its endpoint claims in its write.</summary>
    public static IdempotentRequest? Of(HttpContext http) =>
        http.Items.TryGetValue(ItemKey, out var request) ? request as IdempotentRequest : null;

    /// <summary>Renders the answer the handler gives if its unit commits, so the unit can keep it.</summary>
    public async Task PrepareAnswerAsync(HttpContext http, IResult answer)
    {
        var (status, contentType, body) = await IdempotencyFilter.RenderAsync(http, answer);
        // Packed here, on the request's thread, so the writer's thread only binds it.
        _prepared = (status, contentType, body, KeptAnswers.Pack(body));
    }

    /// <summary>
    /// The unit's first statement: claims the key for this request, writing the prepared answer with
    /// it. False when another request holds it or has answered it; the unit must then write nothing
    /// and return, and the handler call <see cref="ThrowIfTaken"/>. A unit may run more than once (its
    /// group rolled back): each run starts afresh.
    /// </summary>
    public bool TryClaim(DbTx tx)
    {
        var answer = _prepared ?? throw new InvalidOperationException("PrepareAnswerAsync must come before TryClaim.");
        _keptPrepared = false;
        _taken = !Claim(tx, (answer.Status, answer.ContentType, answer.StoredBody));
        return !_taken;
    }

    /// <summary>The unit gives the prepared answer, which its claim wrote: the filter answers with it.</summary>
    public void KeepAnswer(DbTx tx) => _keptPrepared = true;

    /// <summary>
    /// The unit answers something else than the prepared answer (a conflict found after the claim):
    /// the claim is left in flight, and the filter keeps the answer the handler returns instead.
    /// </summary>
    public void AnswerOtherwise(DbTx tx)
    {
        _keptPrepared = false;
        Keep(tx, null, null, null);
    }

    /// <summary>After the unit: hands the request back to the filter when the key was taken, which answers as the key's first request did.</summary>
    public void ThrowIfTaken()
    {
        if (_taken) throw new KeyTakenException();
    }

    /// <summary>Claims the key, in flight or already with its <paramref name="answer"/> (its body as stored: <see cref="KeptAnswers.Pack"/>).</summary>
    internal bool Claim(DbTx tx, (int Status, string? ContentType, byte[] StoredBody)? answer = null)
    {
        (string, object?)[] insert =
        [
            ("ClientId", ClientId), ("Key", Key), ("Hash", Hash), ("Status", answer?.Status), ("ContentType", answer?.ContentType),
            ("Body", answer?.StoredBody), ("Now", Now.ToUnixTimeMilliseconds()),
            ("LockedUntil", (Now + IdempotencyFilter.InFlightLease).ToUnixTimeMilliseconds()),
        ];
        // Inserted; or there already, past its time, freed and inserted anew.
        var claimed = tx.Execute(IdempotencyFilter.ClaimSql, insert) == 1
            || (tx.Execute(IdempotencyFilter.FreeSql, ("ClientId", ClientId), ("Key", Key), ("Now", Now.ToUnixTimeMilliseconds()),
                    ("ExpiredBefore", (Now - IdempotencyFilter.Retention).ToUnixTimeMilliseconds())) == 1
                && tx.Execute(IdempotencyFilter.ClaimSql, insert) == 1);
        if (claimed) ClaimedOnce = true;
        return claimed;
    }

    /// <summary>Writes the key's answer (its body as stored: <see cref="KeptAnswers.Pack"/>); all NULLs put a claim back in flight.</summary>
    internal void Keep(DbTx tx, int? status, string? contentType, byte[]? storedBody) =>
        tx.Execute(IdempotencyFilter.CompleteSql,
            ("Status", status), ("ContentType", contentType), ("Body", storedBody), ("ClientId", ClientId), ("Key", Key));

    /// <summary>The key was claimed or answered by another request: the filter answers instead of the handler.</summary>
    internal sealed class KeyTakenException() : Exception("The Idempotency-Key is held or answered by another request.");
}

/// <summary>
/// On a handler that writes once and claims the request's Idempotency-Key in that write
/// (<see cref="IdempotentRequest"/>): one commit per request instead of three.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ClaimsIdempotencyKeyInItsWriteAttribute : Attribute;
