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
    /// form-level alert (a decline). <paramref name="now"/> is the merchant's time, by which the
    /// page's own check of the expiry judges it, as the server's validator does.
    /// </summary>
    public static IResult Form(HttpContext http, IAntiforgery antiforgery, CheckoutIntent intent, CheckoutGatewayInfo gateway, DateTimeOffset now,
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
              {Field(CardForm.Number, "Card number", problems, "autocomplete=\"cc-number\" inputmode=\"numeric\" autocorrect=\"off\" spellcheck=\"false\" required maxlength=\"23\" placeholder=\"1234 1234 1234 1234\"", after: CardBrands.Badge)}
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
              <button type="submit" class="pay"{Html.PayButtonStyle(intent)}><span class="spinner" aria-hidden="true"></span><span class="label">{Html.E(payLabel)}</span></button>
              <p class="sr" role="status" id="pay-status"></p>
            </form>
            <form method="post" action="/pay/{Html.E(token)}/cancel">
              <input type="hidden" name="{Html.E(tokens.FormFieldName)}" value="{Html.E(tokens.RequestToken)}">
              <button type="submit" class="cancel">Cancel</button>
            </form>
            {Html.Support(intent)}
            </section>
            {collectJs}
            {FormScript(intent, nonce, live, now, payLabel, frameEvent)}
            """;
        Frame(http, intent, nonce, live ? GatewayOrigin(gateway) : null);
        return Html.Page($"Pay {intent.MerchantName}", body, status, wide: true);
    }

    /// <summary>
    /// One labelled input with the place for its error below it. An input with an error is
    /// <c>aria-invalid</c> and described by the error's text, and the first such input has the
    /// focus when the page opens, script or not; the page's script does the same for problems it
    /// finds itself.
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

    /// <summary>
    /// The page's script: tells an iframe's parent what happens; in test mode formats the card
    /// number (grouped as the brand groups it, brand shown) and the expiry as they are typed; checks
    /// every field before posting and shows each problem beside its field; shows Pay busy once the
    /// form goes. In live mode the card fields are the gateway's (Collect.js), which format and check
    /// themselves: the page checks the name and hands the rest to Collect.js.
    /// </summary>
    private static string FormScript(CheckoutIntent intent, string nonce, bool live, DateTimeOffset now, string payLabel, FrameEvent? frameEvent)
    {
        var messages = new Dictionary<string, string>
        {
            ["nameMissing"] = CardForm.NameMissing, ["nameTooLong"] = CardForm.NameTooLong,
            ["numberMissing"] = CardForm.NumberMissing, ["numberIncomplete"] = CardForm.NumberIncomplete, ["numberInvalid"] = CardForm.NumberInvalid,
            ["expiryFormat"] = CardForm.ExpiryFormat, ["expiryPast"] = CardForm.ExpiryPast, ["expiryTooFar"] = CardForm.ExpiryTooFar,
            ["cvcMissing"] = CardForm.CvcMissing, ["cvcInvalid"] = CardForm.CvcInvalid,
        };
        var today = now.ToUniversalTime();
        return $$"""
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
              var live = {{Json(live)}};
              var today = { year: {{today.Year}}, month: {{today.Month}} }, maxYearsAhead = {{CardNumbers.MaxYearsAhead}};
              var say = {{Json(messages)}};
              var brandNames = {{Json(CardBrands.Names)}};
              var form = document.getElementById('pay-form');
              var alertBox = document.getElementById('form-error');
              var pay = form.querySelector('button.pay'), payText = pay.querySelector('.label'), payStatus = document.getElementById('pay-status');
              var busy = false;

              function digits(v) { return v.replace(/\D/g, ''); }
              function brandOf(d) {
                function p(n) { return d.length >= n ? +d.slice(0, n) : -1; }
                if (d.charAt(0) === '4') return 'visa';
                if (p(2) === 34 || p(2) === 37) return 'amex';
                if ((p(2) >= 51 && p(2) <= 55) || (p(4) >= 2221 && p(4) <= 2720)) return 'mastercard';
                if (p(4) === 6011 || p(2) === 65 || (p(3) >= 644 && p(3) <= 649) || (p(6) >= 622126 && p(6) <= 622925)) return 'discover';
                return 'unknown';
              }
              function luhn(d) {
                var sum = 0;
                for (var i = d.length - 1, twice = false; i >= 0; i--, twice = !twice) {
                  var n = +d.charAt(i);
                  if (twice) { n *= 2; if (n > 9) n -= 9; }
                  sum += n;
                }
                return sum % 10 === 0;
              }
              function parseExpiry(v) {
                var t = v.replace(/ /g, ''), slash = t.indexOf('/'), mm, yy;
                if (slash >= 0) { mm = t.slice(0, slash); yy = t.slice(slash + 1); }
                else if (t.length === 4) { mm = t.slice(0, 2); yy = t.slice(2); }
                else return null;
                if (!/^\d{1,2}$/.test(mm) || !/^(\d{2}|\d{4})$/.test(yy) || +mm < 1 || +mm > 12) return null;
                return { month: +mm, year: yy.length === 2 ? 2000 + +yy : +yy };
              }

              // Each field's check, with the server's words; null when the field is fine.
              var checks = {
                name_on_card: function (v) { v = v.trim(); return !v ? say.nameMissing : v.length > 100 ? say.nameTooLong : null; },
                card_number: function (v) {
                  var d = v.replace(/[\s-]/g, '');
                  if (!d) return say.numberMissing;
                  if (!/^\d+$/.test(d)) return say.numberInvalid;
                  if (d.length >= 12 && d.length <= 19 && luhn(d)) return null;
                  return d.length < (brandOf(d) === 'amex' ? 15 : 16) ? say.numberIncomplete : say.numberInvalid;
                },
                card_expiry: function (v) {
                  var e = parseExpiry(v);
                  if (!e) return say.expiryFormat;
                  if (e.year < today.year || (e.year === today.year && e.month < today.month)) return say.expiryPast;
                  return e.year - today.year > maxYearsAhead ? say.expiryTooFar : null;
                },
                card_cvc: function (v) { v = v.trim(); return !v ? say.cvcMissing : /^\d{3,4}$/.test(v) ? null : say.cvcInvalid; }
              };
              var fields = live ? ['name_on_card'] : ['name_on_card', 'card_number', 'card_expiry', 'card_cvc'];

              function showError(input, message) {
                var box = document.getElementById(input.id + '-error');
                box.textContent = message || '';
                box.hidden = !message;
                if (message) { input.setAttribute('aria-invalid', 'true'); input.setAttribute('aria-describedby', box.id); }
                else { input.removeAttribute('aria-invalid'); input.removeAttribute('aria-describedby'); }
              }
              function check(name) { var input = form.elements[name], message = checks[name](input.value); showError(input, message); return message; }
              fields.forEach(function (name) {
                var input = form.elements[name];
                // Checked on leaving for another field; not when leaving for Pay, where an error appearing
                // would move the button from under the pointer and lose the click (Pay checks everything anyway).
                input.addEventListener('blur', function (e) { if (input.value && e.relatedTarget && e.relatedTarget.tagName === 'INPUT') check(name); });
                input.addEventListener('input', function () { if (input.hasAttribute('aria-invalid')) showError(input, null); });
              });

              // Busy, Pay stays focusable (aria-disabled, not disabled), so keyboard and screen reader
              // users keep their place on it and hear "Processing…"; a second press does nothing.
              function setBusy(on) {
                busy = on;
                if (on) { pay.setAttribute('aria-busy', 'true'); pay.setAttribute('aria-disabled', 'true'); payText.textContent = 'Processing\u2026'; }
                else { pay.removeAttribute('aria-busy'); pay.removeAttribute('aria-disabled'); payText.textContent = {{Json(payLabel)}}; }
                payStatus.textContent = on ? 'Processing your payment\u2026' : '';
              }
              // A page brought back from the browser's history is not still paying.
              window.addEventListener('pageshow', function (e) { if (e.persisted) setBusy(false); });
              function fail(message) { alertBox.textContent = message; alertBox.hidden = false; alertBox.focus(); post({ event: 'error', type: 'error', message: message }); }

              form.addEventListener('submit', function (ev) {
                if (busy) { ev.preventDefault(); return; }
                var first = null, firstMessage = null;
                fields.forEach(function (name) {
                  var message = check(name);
                  if (message && !first) { first = form.elements[name]; firstMessage = message; }
                });
                if (first) { ev.preventDefault(); first.focus(); post({ event: 'error', type: 'error', message: firstMessage }); return; }
                if (live && !document.getElementById('payment_token').value) {
                  ev.preventDefault();
                  if (window.CollectJS) { window.CollectJS.startPaymentRequest(); } else { fail('The card form could not load. Please reload the page.'); }
                  return;
                }
                setBusy(true);
              });
              if (live && window.CollectJS) {
                window.CollectJS.configure({ variant: 'inline', callback: function (r) {
                  document.getElementById('payment_token').value = r.token; setBusy(true); form.submit(); } });
              }

              // Test mode: the simulator's own inputs, formatted as typed.
              if (!live) {
                var number = form.elements.card_number, expiry = form.elements.card_expiry, cvc = form.elements.card_cvc;
                var badge = document.getElementById('card_brand'), brandName = document.getElementById('card_brand_name');
                // Puts the formatted text in, the caret staying after the same digit it followed.
                var reformat = function (input, text) {
                  var value = input.value;
                  if (text === value) return;
                  var caret = input.selectionStart == null ? value.length : input.selectionStart;
                  var before = digits(value.slice(0, caret)).length, atEnd = caret === value.length;
                  input.value = text;
                  if (document.activeElement !== input) return;
                  var at = text.length;
                  if (!atEnd) for (var seen = 0, at = 0; at < text.length && seen < before; at++) if (/\d/.test(text.charAt(at))) seen++;
                  input.setSelectionRange(at, at);
                };
                var showBrand = function () {
                  var brand = brandOf(digits(number.value));
                  if (badge.getAttribute('data-brand') === brand) return;
                  badge.setAttribute('data-brand', brand);
                  brandName.textContent = brandNames[brand] || '';
                };
                number.addEventListener('input', function () {
                  var d = digits(number.value), brand = brandOf(d);
                  d = d.slice(0, brand === 'amex' ? 15 : 19);
                  var groups = brand === 'amex' ? [d.slice(0, 4), d.slice(4, 10), d.slice(10)] : (d.match(/\d{1,4}/g) || []);
                  reformat(number, groups.filter(Boolean).join(' '));
                  showBrand();
                });
                // "12" becomes "12 / "; "4" is April ("04 / "); backspace after the slash takes the slash away with it.
                expiry.addEventListener('input', function (e) {
                  var v = expiry.value, deleting = /^delete/.test(e.inputType || '');
                  var full = /^\s*(\d{1,2})\s*\/\s*(\d{4})\s*$/.exec(v);
                  var d = full ? ('0' + full[1]).slice(-2) + full[2].slice(2) : digits(v);
                  if (!deleting && (/^\d\s*\/$/.test(v.trim()) || /^[2-9]/.test(d) || /^1[3-9]/.test(d))) d = '0' + d;
                  d = d.slice(0, 4);
                  reformat(expiry, d.length > 2 ? d.slice(0, 2) + ' / ' + d.slice(2)
                    : d.length === 2 && !(deleting && !/\/\s$/.test(v)) ? d + ' / ' : d);
                });
                cvc.addEventListener('input', function () { reformat(cvc, digits(cvc.value).slice(0, 4)); });
                showBrand();
              }

              // After a refused post: focus the first field in error, else the form's alert.
              var invalid = form.querySelector('[aria-invalid="true"]');
              if (invalid) invalid.focus(); else if (!alertBox.hidden) alertBox.focus();
            })();
            </script>
            """;
    }

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
