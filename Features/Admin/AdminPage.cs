using Microsoft.AspNetCore.Components;

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

    /// <summary>Ends a form post: the message goes with the redirect, so reloading the page shows it and repeats nothing.</summary>
    protected void Done(string path, string message, bool isError = false, IReadOnlyList<Revealed>? reveal = null)
    {
        Flash.Set(HttpContext, new FlashMessage(message, isError, reveal));
        Navigation.NavigateTo(path);
    }
}
