using System.Net;
using PaymentHub.Features.Checkout;
using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Checkout;

/// <summary>The checkout form's rules (its validator) and how a refused form is answered.</summary>
public sealed class SubmitPaymentTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    private static readonly TestClock Clock = new(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));
    private static readonly SubmitPayment.Validator Validator = new();
    private readonly PaymentHub.Tests.Features.Payments.Checkout _checkout = new(app);

    private static SubmitPayment.Request Card(string name = "Jane Customer", string number = "4242 4242 4242 4242", string expiry = "12/30",
        string cvc = "123") => new(name, number, expiry, cvc, PaymentToken: "", Tokenized: false);

    private static SubmitPayment.Request Token(string token, string name = "Jane Customer") => new(name, "", "", "", token, Tokenized: true);

    private static string? FirstProblem(SubmitPayment.Request request) =>
        Validator.Validate(SubmitPayment.Validator.At(request, Clock.GetUtcNow())).Errors.Select(e => e.ErrorMessage).FirstOrDefault();

    [Theory]
    [InlineData("4242 4242 4242 4242", "12/30", "123")]
    [InlineData("4242-4242-4242-4242", "11/26", "1234")]
    [InlineData("378282246310005", "01 / 2046", "1234")]
    [InlineData("4242424242424242", "12/46", "123")]
    public void Validator_AcceptsAValidCard(string number, string expiry, string cvc)
    {
        var request = Card(number: number, expiry: expiry, cvc: cvc);

        Assert.Null(FirstProblem(request));
        var card = request.Source().Card!;
        Assert.Equal(number.Replace(" ", "").Replace("-", ""), card.Number);
        Assert.Equal(CardNumbers.ParseExpiry(expiry), (card.ExpMonth, card.ExpYear));
    }

    [Theory]
    [InlineData("", "4242 4242 4242 4242", "12/30", "123", "Enter the name on the card.")]
    [InlineData("Jane", "4242 4242 4242 4241", "12/30", "123", "Your card number is invalid. Check it and try again.")]
    [InlineData("Jane", "4242 4242 4242 424x", "12/30", "123", "Your card number is invalid. Check it and try again.")]
    [InlineData("Jane", "4242", "12/30", "123", "Your card number is invalid. Check it and try again.")]
    [InlineData("Jane", "4242 4242 4242 4242", "12-30", "123", "Enter the expiry date as MM/YY.")]
    [InlineData("Jane", "4242 4242 4242 4242", "13/30", "123", "Enter the expiry date as MM/YY.")]
    [InlineData("Jane", "4242 4242 4242 4242", "10/26", "123", "Your card's expiry date is in the past.")]
    [InlineData("Jane", "4242 4242 4242 4242", "12/9999", "123", "Your card's expiry date is more than 20 years away. Check it and try again.")]
    [InlineData("Jane", "4242 4242 4242 4242", "01/2047", "123", "Your card's expiry date is more than 20 years away. Check it and try again.")]
    [InlineData("Jane", "", "12/30", "123", "Enter the card number.")]
    [InlineData("Jane", "4242 4242 4242 4242", "", "123", "Enter the expiry date as MM/YY.")]
    [InlineData("Jane", "4242 4242 4242 4242", "12/30", "", "Enter the card's security code (CVC).")]
    [InlineData("Jane", "4242 4242 4242 4242", "12/30", "12", "Your card's security code (CVC) is invalid.")]
    [InlineData("Jane", "4242 4242 4242 4242", "12/30", "12a", "Your card's security code (CVC) is invalid.")]
    public void Validator_RefusesWithTheFirstProblem(string name, string number, string expiry, string cvc, string message) =>
        Assert.Equal(message, FirstProblem(Card(name, number, expiry, cvc)));

    [Fact]
    public void Validator_RefusesANameOver100Characters() =>
        Assert.Equal("The name on the card is too long.", FirstProblem(Card(name: new string('a', 101))));

    [Fact]
    public void Validator_WithCollectJs_WantsThePaymentTokenInsteadOfTheCard()
    {
        Assert.Null(FirstProblem(Token("00000000-000000-000000-000000000000")));
        Assert.Equal("The card details did not reach us. Please enter them again.", FirstProblem(Token("")));
        Assert.Equal("The card details did not reach us. Please enter them again.", FirstProblem(Token(new string('t', 201))));
        Assert.Equal("Enter the name on the card.", FirstProblem(Token("tok", name: "")));
    }

    [Fact]
    public void Validator_FindsEveryFieldsProblem_AndThePageShowsEachBesideItsField()
    {
        var result = Validator.Validate(SubmitPayment.Validator.At(Card("", "4242 4242 4242 4241", "10/26", "12"), Clock.GetUtcNow()));

        var problems = SubmitPayment.Validator.Problems(result);

        Assert.Equal(new Dictionary<string, string>
        {
            ["name_on_card"] = "Enter the name on the card.",
            ["card_number"] = "Your card number is invalid. Check it and try again.",
            ["card_expiry"] = "Your card's expiry date is in the past.",
            ["card_cvc"] = "Your card's security code (CVC) is invalid.",
        }, problems.Fields);
        Assert.Null(problems.Alert);
        Assert.Equal("The card details did not reach us. Please enter them again.",
            SubmitPayment.Validator.Problems(Validator.Validate(SubmitPayment.Validator.At(Token(""), Clock.GetUtcNow()))).Alert);
    }

    [Fact]
    public void Validator_JudgesTheExpiryByTheTimeItIsGiven()
    {
        var request = Card(expiry: "12/26");

        Assert.Empty(Validator.Validate(SubmitPayment.Validator.At(request, Clock.GetUtcNow())).Errors);
        Assert.Equal("Your card's expiry date is in the past.",
            Validator.Validate(SubmitPayment.Validator.At(request, Clock.GetUtcNow().AddMonths(2))).Errors.Single().ErrorMessage);
        Assert.Throws<InvalidOperationException>(() => Validator.Validate(request));
    }

    [Fact]
    public async Task Pay_WithProblemsInSeveralFields_RendersEachBesideItsField_AndFocusGoesToTheFirst()
    {
        var (id, path) = await _checkout.CreateAsync(new IntentBuilder());

        var response = await _checkout.PayAsync(_checkout.Browser(), path, card: "4242 4242 4242 4241", expiry: "10/26", name: "Jane Customer");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        foreach (var (field, message) in new[] { ("card_number", "Your card number is invalid. Check it and try again."), ("card_expiry", "Your card&#x27;s expiry date is in the past.") })
        {
            Assert.Matches($"<input id=\"{field}\"[^>]* aria-invalid=\"true\" aria-describedby=\"{field}-error\"", html);
            Assert.Contains($"<p class=\"field-error\" id=\"{field}-error\">{message}</p>", html);
        }
        Assert.DoesNotMatch("<input id=\"name_on_card\"[^>]*aria-invalid", html);
        Assert.DoesNotMatch("<input id=\"card_cvc\"[^>]*aria-invalid", html);
        Assert.Contains("<p class=\"field-error\" id=\"card_cvc-error\" hidden></p>", html);
        // Field problems are not a form-level alert; the first invalid field has the focus, script or not.
        Assert.Contains("<div class=\"alert\" role=\"alert\" id=\"form-error\" tabindex=\"-1\" hidden></div>", html);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(html, "<input [^>]*autofocus"));
        Assert.Matches("<input id=\"card_number\"[^>]* autofocus", html);
        Assert.Contains("emit(\"error\", \"Your card number is invalid. Check it and try again.\"", html);
        PaymentHub.Tests.Features.Payments.Checkout.AssertCardFieldsEmpty(html);
        Assert.Empty((await _checkout.IntentAsync(id))["charges"]!.AsArray());
    }

    [Fact]
    public async Task Pay_Declined_IsAFormLevelAlert_WithNoFieldMarkedInvalid()
    {
        var (_, path) = await _checkout.CreateAsync(new IntentBuilder());

        var response = await _checkout.PayAsync(_checkout.Browser(), path, card: PaymentHub.Tests.Features.Payments.Checkout.Decline);

        Assert.Equal(HttpStatusCode.PaymentRequired, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Matches("<div class=\"alert\" role=\"alert\" id=\"form-error\" tabindex=\"-1\">[^<]*declined[^<]*4 attempts left", html);
        Assert.DoesNotMatch("<input[^>]*aria-invalid", html);
    }

    [Fact]
    public async Task Pay_JudgesTheExpiryByTheMerchantsTestClock_AsThePageDoes()
    {
        var api = await app.NewMerchantApiAsync();
        await Envelopes.AssertOk(await api.PostJson("/api/platform/test/clock/advance", new { days = 800 }));
        var merchantNow = app.Clock.GetUtcNow().AddDays(800);
        var payPath = "/pay/" + IntentCalls.Token(await api.CreateIntentAsync());
        var pastForTheMerchant = $"12/{(merchantNow.Year - 1) % 100:00}";

        var page = await (await _checkout.Browser().GetAsync(payPath)).Content.ReadAsStringAsync();
        var response = await _checkout.PayAsync(_checkout.Browser(), payPath, expiry: pastForTheMerchant);

        Assert.Contains($"var today = {{ year: {merchantNow.Year}, month: {merchantNow.Month} }}", page);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("expiry date is in the past", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Pay_WithAnExpiryYear9999_IsRefusedOnTheFormWithoutCharging()
    {
        var (id, path) = await _checkout.CreateAsync(new IntentBuilder());

        var response = await _checkout.PayAsync(_checkout.Browser(), path, expiry: "12/9999");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("expiry date is more than 20 years away. Check it and try again.", html);
        Assert.Contains("aria-describedby=\"card_expiry-error\"", html);
        PaymentHub.Tests.Features.Payments.Checkout.AssertCardFieldsEmpty(html);
        var intent = await _checkout.IntentAsync(id);
        Assert.Equal("requires_payment", (string)intent["status"]!);
        Assert.Empty(intent["charges"]!.AsArray());
    }
}
