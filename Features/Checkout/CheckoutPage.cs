using System.Text.Json;
using Microsoft.AspNetCore.Antiforgery;
using PaymentHub.Features.Gateways.Contracts;
using PaymentHub.Features.Intents.Contracts;

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

    /// <summary>The payment form, with an optional error from the last attempt.</summary>
    public static IResult Form(HttpContext http, IAntiforgery antiforgery, CheckoutIntent intent, CheckoutGatewayInfo gateway,
        string? error = null, string? nameOnCard = null, FrameEvent? frameEvent = null, int status = 200)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        var nonce = Nonce(http);
        var token = (string)http.GetRouteValue("token")!;
        var live = gateway.Gateway == "nmi";
        var payLabel = $"Pay {Html.Money(intent.Amount, intent.Currency)}";
        var banner = intent.Mode == "test"
            ? $"<div class=\"banner\" role=\"note\"><strong>Test mode.</strong> No real money moves. Use a test card below.{TestCards}</div>"
            : "";
        var errorBox = error is null ? "" : $"<div class=\"error\" role=\"alert\" id=\"form-error\">{Html.E(error)}</div>";
        var clientError = "<div class=\"error\" role=\"alert\" id=\"client-error\" hidden></div>";

        var cardFields = live
            ? """
              <label id="ccnumber-label">Card number</label><div id="ccnumber" aria-labelledby="ccnumber-label"></div>
              <div class="row">
                <div><label id="ccexp-label">Expiry (MM/YY)</label><div id="ccexp" aria-labelledby="ccexp-label"></div></div>
                <div><label id="cvv-label">CVC</label><div id="cvv" aria-labelledby="cvv-label"></div></div>
              </div>
              <input type="hidden" name="payment_token" id="payment_token">
              """
            : """
              <label for="card_number">Card number</label>
              <input id="card_number" name="card_number" autocomplete="cc-number" inputmode="numeric" required maxlength="23" placeholder="1234 1234 1234 1234">
              <div class="row">
                <div><label for="card_expiry">Expiry (MM/YY)</label>
                <input id="card_expiry" name="card_expiry" autocomplete="cc-exp" inputmode="numeric" required maxlength="7" placeholder="MM/YY"></div>
                <div><label for="card_cvc">CVC</label>
                <input id="card_cvc" name="card_cvc" autocomplete="cc-csc" inputmode="numeric" required maxlength="4" placeholder="123"></div>
              </div>
              """;

        var collectJs = live && gateway.CollectJsUrl is not null
            ? $"<script nonce=\"{nonce}\" src=\"{Html.E(gateway.CollectJsUrl)}\" data-tokenization-key=\"{Html.E(gateway.TokenizationKey)}\"></script>"
            : "";
        var script = $$"""
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
              var box = document.getElementById('client-error');
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

        var body = $"""
            {banner}
            <h1>Checkout</h1>
            {Html.Summary(intent)}
            {errorBox}{clientError}
            <form id="pay-form" method="post" action="/pay/{Html.E(token)}" novalidate>
              <input type="hidden" name="{Html.E(tokens.FormFieldName)}" value="{Html.E(tokens.RequestToken)}">
              <label for="name_on_card">Name on card</label>
              <input id="name_on_card" name="name_on_card" autocomplete="cc-name" required maxlength="100" value="{Html.E(nameOnCard)}">
              {cardFields}
              <button type="submit" class="pay">{Html.E(payLabel)}</button>
            </form>
            <form method="post" action="/pay/{Html.E(token)}/cancel">
              <input type="hidden" name="{Html.E(tokens.FormFieldName)}" value="{Html.E(tokens.RequestToken)}">
              <button type="submit" class="cancel">Cancel</button>
            </form>
            {collectJs}
            {script}
            """;
        Frame(http, intent, nonce, live ? GatewayOrigin(gateway) : null);
        return Html.Page($"Pay {intent.MerchantName}", body, status);
    }

    /// <summary>A final page (paid, cancelled, failed, confirming) that tells the parent window in iframe mode.</summary>
    public static IResult Outcome(HttpContext http, CheckoutIntent intent, string title, string text, FrameEvent? frameEvent,
        string? returnUrl = null, int status = 200, int? refreshSeconds = null)
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
        Frame(http, intent, nonce, gatewayOrigin: null);
        return Html.Page(title, $"<h1>{Html.E(title)}</h1>{Html.Summary(intent)}<p class=\"notice\" role=\"status\">{Html.E(text)}</p>{link}{script}", status, refresh);
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
        http.Response.Headers.ContentSecurityPolicy =
            $"default-src 'self'; script-src 'nonce-{nonce}'{nmi}; style-src 'unsafe-inline'; img-src 'self' data:; " +
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
