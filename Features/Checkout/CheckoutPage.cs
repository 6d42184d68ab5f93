using System.Text.Json;
using Microsoft.AspNetCore.Antiforgery;
using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Features.Intents.Contracts;
using PaymentHub.Features.Merchants.Contracts;
using PaymentHub.Features.Payments.Contracts;

namespace PaymentHub.Features.Checkout;

/// <summary>A postMessage event for the parent window, with the field names iframe integrations read (docs/api.md, "iframe mode").</summary>
public sealed record FrameEvent(string Event, string Message, string? Status = null);

/// <summary>Renders the hosted checkout's pages; each is a complete, server-rendered HTML document.</summary>
internal static class CheckoutPage
{
    public const string TestCards = """
        <details><summary>Test cards</summary>
        <table aria-label="Test cards">
        <tr><td><code>4242 4242 4242 4242</code></td><td>succeeds</td></tr>
        <tr><td><code>4000 0000 0000 0002</code></td><td>declined</td></tr>
        <tr><td><code>4000 0000 0000 9995</code></td><td>insufficient funds</td></tr>
        <tr><td><code>4000 0000 0000 0069</code></td><td>expired card</td></tr>
        <tr><td><code>4000 0000 0000 0119</code></td><td>processing error</td></tr>
        <tr><td><code>4000 0000 0000 0341</code></td><td>pays now, declines renewals</td></tr>
        </table>
        <p class="muted">Any future expiry and any 3-digit CVC.</p>
        </details>
        """;

    /// <summary>
    /// The payment form, with what was wrong with the last post: messages beside their fields, or a
    /// form-level alert (a decline).
    /// </summary>
    public static IResult Form(HttpContext http, IAntiforgery antiforgery, CheckoutIntent intent, CheckoutGatewayInfo gateway,
        FormProblems? problems = null, string? nameOnCard = null, FrameEvent? frameEvent = null, int status = 200)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        var nonce = Nonce(http);
        var token = (string)http.GetRouteValue("token")!;
        var live = gateway.Gateway == "nmi";
        var payLabel = $"Pay {Html.Money(intent.Amount, intent.Currency)}";
        var banner = intent.Mode == "test"
            ? $"<div class=\"banner\" role=\"note\"><strong>Test mode.</strong> No real money moves. Use a test card below.{TestCards}</div>"
            : "";
        var alert = problems?.Alert;
        var alertBox = $"<div class=\"alert\" role=\"alert\" id=\"form-error\" tabindex=\"-1\"{(alert is null ? " hidden" : "")}>{Html.E(alert)}</div>";

        var cardFields = live
            ? """
              <div class="field"><label id="ccnumber-label">Card number</label><div id="ccnumber" class="hosted" aria-labelledby="ccnumber-label"></div></div>
              <div class="row">
                <div class="field"><label id="ccexp-label">Expiry (MM/YY)</label><div id="ccexp" class="hosted" aria-labelledby="ccexp-label"></div></div>
                <div class="field"><label id="cvv-label">CVC</label><div id="cvv" class="hosted" aria-labelledby="cvv-label"></div></div>
              </div>
              <input type="hidden" name="payment_token" id="payment_token">
              """
            : $"""
              {Field(CardForm.Number, "Card number", problems, "autocomplete=\"cc-number\" inputmode=\"numeric\" autocorrect=\"off\" spellcheck=\"false\" required maxlength=\"23\" placeholder=\"1234 1234 1234 1234\"")}
              <div class="row">
                {Field(CardForm.Expiry, "Expiry (MM/YY)", problems, "autocomplete=\"cc-exp\" inputmode=\"numeric\" autocorrect=\"off\" spellcheck=\"false\" required maxlength=\"7\" placeholder=\"MM / YY\"")}
                {Field(CardForm.Cvc, "CVC", problems, "autocomplete=\"cc-csc\" inputmode=\"numeric\" autocorrect=\"off\" spellcheck=\"false\" required maxlength=\"4\" placeholder=\"123\"")}
              </div>
              """;

        var collectJs = live && gateway.CollectJsUrl is not null
            ? $"<script nonce=\"{nonce}\" src=\"{Html.E(gateway.CollectJsUrl)}\" data-tokenization-key=\"{Html.E(gateway.TokenizationKey)}\"></script>"
            : "";
        var body = $"""
            <section class="order">
            {Html.MerchantHeader(intent)}
            <h1>Checkout</h1>
            <p class="due" data-testid="due">{Html.E(Html.Money(intent.Amount, intent.Currency))}{(intent.IntentType == "recurring" ? $" <span>every {intent.IntervalDays} days</span>" : "")}</p>
            {Html.Summary(intent)}
            </section>
            <section class="payment" aria-label="Payment">
            {banner}
            {alertBox}
            <form id="pay-form" method="post" action="/pay/{Html.E(token)}" novalidate>
              <input type="hidden" name="{Html.E(tokens.FormFieldName)}" value="{Html.E(tokens.RequestToken)}">
              {Field(CardForm.Name, "Name on card", problems, "autocomplete=\"cc-name\" required maxlength=\"100\"", value: nameOnCard)}
              {cardFields}
              <button type="submit" class="pay"{Html.PayButtonStyle(intent)}>{Html.E(payLabel)}</button>
            </form>
            <form method="post" action="/pay/{Html.E(token)}/cancel">
              <input type="hidden" name="{Html.E(tokens.FormFieldName)}" value="{Html.E(tokens.RequestToken)}">
              <button type="submit" class="cancel">Cancel</button>
            </form>
            {Html.Support(intent)}
            </section>
            {collectJs}
            {FormScript(intent, nonce, live, frameEvent)}
            """;
        Frame(http, intent, nonce, live ? GatewayOrigin(gateway) : null);
        return Html.Page($"Pay {intent.MerchantName}", body, status, wide: true);
    }

    /// <summary>
    /// One labelled input with the place for its error below it. An input with an error is
    /// <c>aria-invalid</c> and described by the error's text, and the first such input has the
    /// focus when the page opens, script or not.
    /// </summary>
    private static string Field(string name, string label, FormProblems? problems, string attributes, string? value = null, string after = "")
    {
        var error = problems?.For(name);
        var invalid = error is null ? "" : $" aria-invalid=\"true\" aria-describedby=\"{name}-error\"{(problems!.FirstField == name ? " autofocus" : "")}";
        var valueAttribute = value is null ? "" : $" value=\"{Html.E(value)}\"";
        return $"""
            <div class="field">
            <label for="{name}">{Html.E(label)}</label>
            <div class="control"><input id="{name}" name="{name}" {attributes}{invalid}{valueAttribute}>{after}</div>
            <p class="field-error" id="{name}-error"{(error is null ? " hidden" : "")}>{Html.E(error)}</p>
            </div>
            """;
    }

    /// <summary>The page's script: tells an iframe's parent what happens, and checks the form before it posts.</summary>
    private static string FormScript(CheckoutIntent intent, string nonce, bool live, FrameEvent? frameEvent) => $$"""
        <script nonce="{{nonce}}">
        (function () {
          var embedded = {{Json(intent.IntegrationType == "iframe")}};
          var targets = {{Json(TargetOrigins(intent))}};
          var base = { intent_id: {{Json(intent.IntentId)}}, client_reference_id: {{Json(intent.ReferenceId)}} };
          function post(e) { if (embedded && window.parent !== window) targets.forEach(function (t) { window.parent.postMessage(e, t); }); }
          function emit(name, message, status) {
            var e = { event: name, message: message, intent_id: base.intent_id, client_reference_id: base.client_reference_id };
            if (status) e.status = status;
            if (name === 'error') e.type = 'error';
            post(e);
          }
          {{(frameEvent is null ? "" : $"emit({Json(frameEvent.Event)}, {Json(frameEvent.Message)}, {Json(frameEvent.Status)});")}}
          var form = document.getElementById('pay-form');
          var box = document.getElementById('form-error');
          function fail(message) { box.textContent = message; box.hidden = false; post({ event: 'error', type: 'error', message: message }); }
          form.addEventListener('submit', function (ev) {
            if ({{Json(live)}}) {
              if (!document.getElementById('payment_token').value) {
                ev.preventDefault();
                if (window.CollectJS) { window.CollectJS.startPaymentRequest(); } else { fail('The card form could not load. Please reload the page.'); }
              }
              return;
            }
            var name = form.name_on_card.value.trim(), number = form.card_number.value.replace(/[\s-]/g, ''),
                exp = form.card_expiry.value.trim(), cvc = form.card_cvc.value.trim();
            var problem = !name ? 'Enter the name on the card.'
              : !/^\d{12,19}$/.test(number) ? 'Enter a valid card number.'
              : !/^(0[1-9]|1[0-2])\s*\/\s*(\d{2}|\d{4})$/.test(exp) ? 'Enter the expiry as MM/YY.'
              : !/^\d{3,4}$/.test(cvc) ? 'Enter the 3 or 4 digit CVC.' : null;
            if (problem) { ev.preventDefault(); fail(problem); return; }
            form.querySelector('button.pay').disabled = true;
          });
          if ({{Json(live)}} && window.CollectJS) {
            window.CollectJS.configure({ variant: 'inline', callback: function (r) {
              document.getElementById('payment_token').value = r.token; form.submit(); } });
          }
        })();
        </script>
        """;

    /// <summary>The paid page's lines under its heading: the card that paid and the customer's email.</summary>
    public static string Receipt(CheckoutIntent intent, PaidCard? card)
    {
        var paidWith = card?.Last4 is { Length: > 0 } last4
            ? $"<tr><th scope=\"row\">Paid with</th><td data-testid=\"paid-with\">{Html.E(CardBrands.NameOf(card.Brand))} <span class=\"last4\"><span aria-hidden=\"true\">••••</span><span class=\"sr\">ending in</span> {Html.E(last4)}</span></td></tr>"
            : "";
        var customer = intent.Email is { Length: > 0 } email
            ? $"<tr><th scope=\"row\">Customer</th><td data-testid=\"customer\">{Html.E(email)}</td></tr>"
            : "";
        return paidWith.Length + customer.Length == 0 ? "" : $"<table class=\"receipt\" aria-label=\"Payment details\">{paidWith}{customer}</table>";
    }

    /// <summary>A final page (paid, cancelled, failed, confirming) that tells the parent window in iframe mode.</summary>
    public static IResult Outcome(HttpContext http, CheckoutIntent intent, string title, string text, FrameEvent? frameEvent,
        string? returnUrl = null, int status = 200, int? refreshSeconds = null, string? receipt = null)
    {
        var nonce = Nonce(http);
        var link = returnUrl is null ? "" : $"<p><a href=\"{Html.E(returnUrl)}\" target=\"_top\">Return to {Html.E(intent.MerchantName)}</a></p>";
        var script = frameEvent is null || intent.IntegrationType != "iframe" ? "" : $$"""
            <script nonce="{{nonce}}">
            if (window.parent !== window) {{Json(TargetOrigins(intent))}}.forEach(function (t) { window.parent.postMessage({ event: {{Json(frameEvent.Event)}}, message: {{Json(frameEvent.Message)}},
              intent_id: {{Json(intent.IntentId)}}, client_reference_id: {{Json(intent.ReferenceId)}}{{(frameEvent.Status is null ? "" : $", status: {Json(frameEvent.Status)}")}} }, t); });
            </script>
            """;
        var refresh = refreshSeconds is { } s ? $"<meta http-equiv=\"refresh\" content=\"{s}\">" : null;
        var icon = frameEvent?.Event == "payment.success" ? Html.SuccessIcon : "";
        Frame(http, intent, nonce, gatewayOrigin: null);
        return Html.Page(title, $"{Html.MerchantHeader(intent)}{icon}<h1>{Html.E(title)}</h1><p class=\"notice\" role=\"status\">{Html.E(text)}</p>{receipt}{Html.Summary(intent)}{link}{Html.Support(intent)}{script}",
            status, refresh);
    }

    /// <summary>
    /// Where the page's events go. A frame can't learn its parent's origin reliably, so the event is
    /// posted once per allowed origin: the browser delivers it only where the parent's origin matches.
    /// With no origins allowed, any parent receives them (docs/api.md says so plainly).
    /// </summary>
    private static IReadOnlyList<string> TargetOrigins(CheckoutIntent intent) => intent.FrameOrigins.Count == 0 ? ["*"] : intent.FrameOrigins;

    /// <summary>The origin Collect.js comes from (NMI's, or a white-label gateway's).</summary>
    private static string? GatewayOrigin(CheckoutGatewayInfo gateway) =>
        Uri.TryCreate(gateway.CollectJsUrl, UriKind.Absolute, out var url) ? url.GetLeftPart(UriPartial.Authority) : null;

    /// <summary>Who may frame the page, and what it may load: iframe mode per the merchant's origins, url mode never framed.</summary>
    private static void Frame(HttpContext http, CheckoutIntent intent, string nonce, string? gatewayOrigin)
    {
        var ancestors = intent.IntegrationType == "iframe"
            ? (intent.FrameOrigins.Count == 0 ? "*" : string.Join(' ', intent.FrameOrigins))
            : "'none'";
        var nmi = gatewayOrigin is null ? "" : " " + gatewayOrigin;
        var logo = LogoUrls.OriginOf(intent.Brand?.LogoUrl) is { } logoOrigin ? " " + logoOrigin : "";
        http.Response.Headers.ContentSecurityPolicy =
            $"default-src 'self'; script-src 'nonce-{nonce}'{nmi}; style-src 'unsafe-inline'; img-src 'self' data:{logo}; " +
            $"connect-src 'self'{nmi}; frame-src 'self'{nmi}; frame-ancestors {ancestors}; base-uri 'none'";
        if (intent.IntegrationType != "iframe") http.Response.Headers.XFrameOptions = "DENY";
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers["Referrer-Policy"] = "no-referrer";
        http.Response.Headers.XContentTypeOptions = "nosniff";
    }

    private static string Nonce(HttpContext http) =>
        http.Items["csp-nonce"] as string ?? (string)(http.Items["csp-nonce"] = Infrastructure.RandomTokens.New(16));

    private static string Json<T>(T value) => JsonSerializer.Serialize(value).Replace("<", "\\u003c", StringComparison.Ordinal);
}
