using System.Net;
using PaymentHub.Features.Checkout;
using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Checkout;

/// <summary>The checkout form's rules (its validator) and how a refused form is answered.</summary>
public sealed class SubmitPaymentTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    private static readonly TestClock Clock = new(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));
    private static readonly SubmitPayment.Validator Validator = new(Clock);
    private readonly PaymentHub.Tests.Features.Payments.Checkout _checkout = new(app);

    private static SubmitPayment.Request Card(string name = "Jane Customer", string number = "4242 4242 4242 4242", string expiry = "12/30",
        string cvc = "123") => new(name, number, expiry, cvc, PaymentToken: "", Tokenized: false);

    private static SubmitPayment.Request Token(string token, string name = "Jane Customer") => new(name, "", "", "", token, Tokenized: true);

    private static string? FirstProblem(SubmitPayment.Request request) =>
        Validator.Validate(request).Errors.Select(e => e.ErrorMessage).FirstOrDefault();

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
    public async Task Pay_WithAnExpiryYear9999_IsRefusedOnTheFormWithoutCharging()
    {
        var (id, path) = await _checkout.CreateAsync(new IntentBuilder());

        var response = await _checkout.PayAsync(_checkout.Browser(), path, expiry: "12/9999");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("expiry date is more than 20 years away. Check it and try again.", html);
        Assert.Contains("id=\"form-error\"", html);
        PaymentHub.Tests.Features.Payments.Checkout.AssertCardFieldsEmpty(html);
        var intent = await _checkout.IntentAsync(id);
        Assert.Equal("requires_payment", (string)intent["status"]!);
        Assert.Empty(intent["charges"]!.AsArray());
    }
}
