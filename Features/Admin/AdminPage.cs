using Microsoft.AspNetCore.Components;
using PaymentHub.Features.Intents;

namespace PaymentHub.Features.Admin;

/// <summary>What every signed-in page has: the request, the session on screen, and post-redirect-get with a message.</summary>
public abstract class AdminPage : ComponentBase
{
    [CascadingParameter] public HttpContext HttpContext { get; set; } = null!;
    [Inject] protected NavigationManager Navigation { get; set; } = null!;
    [Inject] protected Flash Flash { get; set; } = null!;

    protected AdminSession Session => AdminSession.Of(HttpContext.User)
        ?? throw new InvalidOperationException("Admin pages are for signed-in users (the endpoint's policy requires one).");

    protected CancellationToken Aborted => HttpContext.RequestAborted;

    /// <summary>What the intents API's read handlers take, for calling them as the panel.</summary>
    protected IntentReads IntentReads => ActivatorUtilities.CreateInstance<IntentReads>(HttpContext.RequestServices);

    /// <summary>Intents of the merchant and mode on screen, as GET /intents lists them (its own handler), newest first.</summary>
    protected async Task<IReadOnlyList<IntentView>> ListIntentsAsync(string? customerRefId = null, string? email = null, int perPage = 100) =>
        (await ListIntents.Handle(new ListIntents.Query { CustomerRefId = customerRefId, Email = email,
            PerPage = perPage.ToString(System.Globalization.CultureInfo.InvariantCulture) }, Session.Caller, IntentReads, HttpContext, Aborted)).Data.Items;

    /// <summary>Ends a form post: the message goes with the redirect, so reloading the page shows it and repeats nothing.</summary>
    protected void Done(string path, string message, bool isError = false, IReadOnlyList<Revealed>? reveal = null)
    {
        Flash.Set(HttpContext, new FlashMessage(message, isError, reveal));
        Navigation.NavigateTo(path);
    }
}
