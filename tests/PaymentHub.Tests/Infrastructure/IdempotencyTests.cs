using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>Idempotency-Key (docs/api.md): per API client, 24 h, replay marked, different body 422, in flight 409.</summary>
public sealed class IdempotencyTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    private readonly HttpClient _api = app.Api();

    private static string NewKey() => Guid.NewGuid().ToString();

    private long Intents(string reference) =>
        app.Scalar<long>("SELECT COUNT(*) FROM intents WHERE reference_id = @reference", new { reference });

    private void Sql(string sql)
    {
        using var connection = app.Open();
        connection.Execute(sql);
    }

    private static string Reference() => "IDEM-" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task CreateIntent_ReplayedWithSameKeyAndBody_ReturnsTheSameResponseMarkedReplayed()
    {
        var key = NewKey();
        var body = new IntentBuilder(Reference()).Json();
        var totalBefore = app.Scalar<long>("SELECT COUNT(*) FROM intents");

        var first = await _api.PostJson(IntentCalls.Intents, body, key);
        var second = await _api.PostJson(IntentCalls.Intents, body, key);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.Equal(first.Content.Headers.ContentType, second.Content.Headers.ContentType);
        Assert.Equal(totalBefore + 1, app.Scalar<long>("SELECT COUNT(*) FROM intents"));
        Assert.Equal(1, app.Scalar<long>("SELECT COUNT(*) FROM intent_logs WHERE intent_id = @id",
            new { id = (string)(await first.Body())["data"]!["intent_id"]! }));
    }

    /// <summary>The answer is kept packed (KeptAnswers): an intent's in little more than half its bytes.</summary>
    [Fact]
    public async Task CreateIntent_WithKey_KeepsItsAnswerPacked()
    {
        var key = NewKey();
        var first = await _api.PostJson(IntentCalls.Intents, new IntentBuilder(Reference()).Json(), key);
        var answer = await first.Content.ReadAsByteArrayAsync();

        var stored = app.Scalar<byte[]>("SELECT response_body FROM idempotency_keys WHERE idem_key = @key", new { key });

        Assert.Equal([0x00, 0x01], stored[..2]);
        Assert.True(stored.Length < answer.Length * 0.65, $"{stored.Length} of {answer.Length} bytes");
        Assert.Equal(answer, PaymentHub.Infrastructure.Idempotency.KeptAnswers.Unpack(stored));
    }

    /// <summary>A key kept by a version before packing (its answer as it was sent) is still replayed as it was.</summary>
    [Fact]
    public async Task AKeyKeptBeforePacking_IsReplayedAsItWasKept()
    {
        var key = NewKey();
        var body = new IntentBuilder(Reference()).Json();
        var first = await _api.PostJson(IntentCalls.Intents, body, key);
        var answer = await first.Content.ReadAsByteArrayAsync();
        using (var connection = app.Open())
            connection.Execute("UPDATE idempotency_keys SET response_body = @answer WHERE idem_key = @key", new { answer, key });

        var replay = await _api.PostJson(IntentCalls.Intents, body, key);

        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(answer, await replay.Content.ReadAsByteArrayAsync());
    }

    /// <summary>The kept hash is SHA-256 of "POST /path\n" and the body as sent: keys kept by an earlier version still match.</summary>
    [Fact]
    public async Task CreateIntent_WithKey_KeepsTheHashOfMethodPathAndBody()
    {
        var key = NewKey();
        var body = new IntentBuilder(Reference()).Json() + " \n"; // trailing whitespace is part of what was sent

        Assert.Equal(HttpStatusCode.OK, (await _api.PostJson(IntentCalls.Intents, body, key)).StatusCode);

        var expected = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes($"POST {IntentCalls.Intents}\n{body}")));
        Assert.Equal(expected, app.Scalar<string>("SELECT request_hash FROM idempotency_keys WHERE idem_key = @key", new { key }));
    }

    [Fact]
    public async Task CreateIntent_ReferenceTakenWithKey_KeepsThe409_NotTheCreateItHadPrepared()
    {
        var reference = Reference();
        var existing = await _api.PostJson(IntentCalls.Intents, new IntentBuilder(reference).Json());
        var existingId = (string)(await existing.Body())["data"]!["intent_id"]!;
        var key = NewKey();
        var body = new IntentBuilder(reference).Json();

        var first = await _api.PostJson(IntentCalls.Intents, body, key);
        var replay = await _api.PostJson(IntentCalls.Intents, body, key);

        Assert.Equal(HttpStatusCode.Conflict, first.StatusCode);
        Assert.Equal(existingId, (string)(await first.Body())["data"]!["intent_id"]!);
        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(await first.Content.ReadAsStringAsync(), await replay.Content.ReadAsStringAsync());
        Assert.Equal(1, app.Scalar<long>("SELECT COUNT(*) FROM intents WHERE reference_id = @reference", new { reference }));
    }

    [SqliteFact]
    public async Task CreateIntent_ReferenceTakenWithKey_NeverLeavesTheCreatesAnswerOnTheKey()
    {
        var reference = Reference();
        await _api.PostJson(IntentCalls.Intents, new IntentBuilder(reference).Json());
        var key = NewKey();
        // The claim is written with the create's prepared answer; when the reference turns out taken, the
        // unit must take that answer back itself: here the 409 kept after the unit is refused, so what the
        // unit left is what stays (a retry in between would have replayed it).
        Sql("CREATE TRIGGER refuse_409 BEFORE UPDATE ON idempotency_keys WHEN NEW.status_code = 409 BEGIN SELECT RAISE(ABORT, 'refused'); END");
        try
        {
            await _api.PostJson(IntentCalls.Intents, new IntentBuilder(reference).Json(), key);
        }
        finally
        {
            Sql("DROP TRIGGER refuse_409");
        }

        Assert.Equal(0, app.Scalar<long>("SELECT COUNT(*) FROM idempotency_keys WHERE idem_key = @key AND status_code IS NOT NULL", new { key }));
        var retried = await _api.PostJson(IntentCalls.Intents, new IntentBuilder(reference).Json(), key);
        Assert.Equal(HttpStatusCode.Conflict, retried.StatusCode);
        Assert.False(retried.Headers.Contains("Idempotent-Replayed"));
    }

    [Fact]
    public async Task CreateIntent_ValidationErrorWithKey_IsReplayedToo()
    {
        var key = NewKey();
        var body = new IntentBuilder().With("amount", 0).Json();

        var first = await _api.PostJson(IntentCalls.Intents, body, key);
        var second = await _api.PostJson(IntentCalls.Intents, body, key);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, first.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, second.StatusCode);
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task CreateIntent_SameKeyDifferentBody_Returns422AndCreatesNothing()
    {
        var key = NewKey();
        var secondReference = Reference();
        await _api.PostJson(IntentCalls.Intents, new IntentBuilder(Reference()).Json(), key);

        var response = await _api.PostJson(IntentCalls.Intents, new IntentBuilder(secondReference).Json(), key);

        await Envelopes.AssertValidationError(response, "idempotency_key",
            "The Idempotency-Key has already been used with a different request; use a new key for a new request.", "idempotency_key_reused");
        Assert.Equal(0, Intents(secondReference));
    }

    [Fact]
    public async Task Post_SameKeyOnAnotherEndpoint_Returns422()
    {
        var key = NewKey();
        var id = await _api.CreateIntentIdAsync();
        var created = await _api.PostJson(IntentCalls.Intents, new IntentBuilder().Json(), key);
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);

        var request = new HttpRequestMessage(HttpMethod.Post, $"{IntentCalls.Intents}/{id}/cancel");
        request.Headers.Add("Idempotency-Key", key);
        var response = await _api.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("requires_payment", app.Scalar<string>("SELECT status FROM intents WHERE id = @id", new { id }));
    }

    [Fact]
    public async Task CreateIntent_ConcurrentRequestsWithOneKey_CreateExactlyOneIntent()
    {
        var key = NewKey();
        var reference = Reference();
        var body = new IntentBuilder(reference).Json();

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => app.Api().PostJson(IntentCalls.Intents, body, key))));

        Assert.Equal(1, Intents(reference));
        Assert.Equal(1, app.Scalar<long>("SELECT COUNT(*) FROM idempotency_keys WHERE idem_key = @key", new { key }));
        var originals = responses.Where(r => r.StatusCode == HttpStatusCode.OK && !r.Headers.Contains("Idempotent-Replayed")).ToList();
        Assert.Single(originals);
        var original = await originals[0].Content.ReadAsStringAsync();
        foreach (var other in responses.Except(originals))
        {
            if (other.StatusCode == HttpStatusCode.Conflict)
                await Envelopes.AssertError(other, HttpStatusCode.Conflict,
                    "A request with this Idempotency-Key is still being processed; retry once it has finished.");
            else
            {
                Assert.Equal(HttpStatusCode.OK, other.StatusCode);
                Assert.Equal("true", other.Headers.GetValues("Idempotent-Replayed").Single());
                Assert.Equal(original, await other.Content.ReadAsStringAsync());
            }
        }
    }

    [Fact]
    public async Task CreateIntent_WithKey_CommitsOneWriteLikeAPlainCreate()
    {
        using var writes = new WriteCounter(app.Services);

        await _api.CreateIntentAsync();
        var plain = writes.Take();
        var keyed = await _api.PostJson(IntentCalls.Intents, new IntentBuilder(Reference()).Json(), NewKey());
        var withKey = writes.Take();
        var invalid = await _api.PostJson(IntentCalls.Intents, new IntentBuilder().With("amount", 0).Json(), NewKey());
        var invalidWithKey = writes.Take();

        Assert.Equal(HttpStatusCode.OK, keyed.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.StatusCode);
        Assert.Equal(1, plain);
        // The claim, the intent and the kept answer in one unit (it was three commits in a row).
        Assert.Equal(1, withKey);
        // A validation error writes nothing but the key and its answer: one unit as well.
        Assert.Equal(1, invalidWithKey);
    }

    [SqliteFact]
    public async Task CreateIntent_FailingWithKey_KeepsNoClaimSoTheKeyCanBeRetried()
    {
        var key = NewKey();
        var reference = Reference();
        var body = new IntentBuilder(reference).Json();
        // A database refusal inside the create's unit, after the key's claim was written in it.
        Sql("CREATE TRIGGER fail_items BEFORE INSERT ON intent_items WHEN NEW.name = 'refused' BEGIN SELECT RAISE(ABORT, 'refused'); END");
        HttpResponseMessage failed;
        try
        {
            failed = await _api.PostJson(IntentCalls.Intents, new IntentBuilder(reference)
                .With("order_items", new JsonArray(new JsonObject { ["name"] = "refused", ["quantity"] = 1, ["price"] = 80 })).Json(), key);
        }
        finally
        {
            Sql("DROP TRIGGER fail_items");
        }

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal(0, app.Scalar<long>("SELECT COUNT(*) FROM idempotency_keys WHERE idem_key = @key", new { key }));
        Assert.Equal(0, Intents(reference));
        var retried = await _api.PostJson(IntentCalls.Intents, body, key);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.False(retried.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(1, Intents(reference));
    }

    [Fact]
    public async Task CreateIntent_KeyOf256Chars_Returns400()
    {
        var reference = Reference();

        var response = await _api.PostJson(IntentCalls.Intents, new IntentBuilder(reference).Json(), new string('k', 256));

        await Envelopes.AssertError(response, HttpStatusCode.BadRequest,
            "The Idempotency-Key header must be 1 to 255 printable ASCII characters; a UUID is a good choice.", "invalid_idempotency_key");
        Assert.Equal(0, Intents(reference));
    }

    [Fact]
    public async Task CreateIntent_KeyOf255Chars_IsAccepted()
    {
        var response = await _api.PostJson(IntentCalls.Intents, new IntentBuilder().Json(), new string('k', 254) + Guid.NewGuid().ToString("N")[..1]);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task CreateIntent_SameKeyFromAnotherClient_IsIndependent()
    {
        var key = NewKey();
        var other = app.Api(await app.CreateClientAsync(app.FixtureMerchantId()));
        var firstReference = Reference();
        var secondReference = Reference();
        await _api.CreateIntentAsync(new IntentBuilder(firstReference));
        Assert.Equal(HttpStatusCode.OK, (await _api.PostJson(IntentCalls.Intents, new IntentBuilder(Reference()).Json(), key)).StatusCode);

        var response = await other.PostJson(IntentCalls.Intents, new IntentBuilder(secondReference).Json(), key);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(1, Intents(secondReference));
        Assert.Equal(2, app.Scalar<long>("SELECT COUNT(*) FROM idempotency_keys WHERE idem_key = @key", new { key }));
    }

    [Fact]
    public async Task CreateIntent_KeyOlderThan24Hours_CanBeReused()
    {
        var key = NewKey();
        var firstReference = Reference();
        var secondReference = Reference();
        await _api.PostJson(IntentCalls.Intents, new IntentBuilder(firstReference).Json(), key);
        app.Clock.Advance(TimeSpan.FromHours(23));
        Assert.Equal(HttpStatusCode.UnprocessableEntity,
            (await _api.PostJson(IntentCalls.Intents, new IntentBuilder(secondReference).Json(), key)).StatusCode);

        app.Clock.Advance(TimeSpan.FromHours(2));
        var response = await _api.PostJson(IntentCalls.Intents, new IntentBuilder(secondReference).Json(), key);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(1, Intents(secondReference));
    }

    [Fact]
    public async Task CreateIntent_WithoutKey_IsNotRemembered()
    {
        var before = app.Scalar<long>("SELECT COUNT(*) FROM idempotency_keys");

        await _api.CreateIntentAsync();

        Assert.Equal(before, app.Scalar<long>("SELECT COUNT(*) FROM idempotency_keys"));
    }

    [Fact]
    public async Task CancelIntent_ReplayedWithKey_DoesNotRepeatTheSideEffect()
    {
        var id = await _api.CreateIntentIdAsync();
        var key = NewKey();

        for (var i = 0; i < 2; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"{IntentCalls.Intents}/{id}/cancel");
            request.Headers.Add("Idempotency-Key", key);
            var response = await _api.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(i == 1, response.Headers.Contains("Idempotent-Replayed"));
        }

        Assert.Equal(1, app.Scalar<long>("SELECT COUNT(*) FROM events WHERE intent_id = @id", new { id }));
    }
}

/// <summary>Counts the units of write work one application commits (its <c>paymenthub.db.writes</c> counter).</summary>
internal sealed class WriteCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _count;

    public WriteCounter(IServiceProvider services)
    {
        var meters = services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == meters && instrument.Meter.Name == DbWriter.MeterName && instrument.Name == "paymenthub.db.writes")
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, value));
        _listener.Start();
    }

    /// <summary>The writes committed since the last call (or since the counter was made).</summary>
    public long Take() => Interlocked.Exchange(ref _count, 0);

    public void Dispose() => _listener.Dispose();
}
