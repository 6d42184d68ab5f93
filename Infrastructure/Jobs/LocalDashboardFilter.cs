using System.Net;
using Hangfire.Dashboard;

namespace PaymentHub.Infrastructure.Jobs;

/// <summary>
/// Until the admin login guards it, the job dashboard answers requests made on this machine only.
/// Hangfire's own check trusts any loopback address, which is every request a reverse proxy on the
/// same machine passes on; a request that carries a forwarding header came through such a proxy
/// and is refused too.
/// </summary>
internal sealed class LocalDashboardFilter : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context)
    {
        var http = context.GetHttpContext();
        var headers = http.Request.Headers;
        if (headers.ContainsKey("X-Forwarded-For") || headers.ContainsKey("Forwarded") || headers.ContainsKey("X-Real-IP")) return false;
        return http.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote);
    }
}
