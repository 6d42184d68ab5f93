using Microsoft.AspNetCore.Antiforgery;

namespace PaymentHub.Infrastructure.Http;

/// <summary>Every failure leaves in the API's error envelope with its code (docs/api.md), never with a stack trace.</summary>
public static class ErrorHandling
{
    public const string CorrelationHeader = "X-Correlation-ID";

    public static IApplicationBuilder UseApiErrors(this IApplicationBuilder app)
    {
        // Every response carries the id its log lines carry, so a merchant can quote it to support.
        app.Use((ctx, next) =>
        {
            ctx.Response.Headers[CorrelationHeader] = ctx.TraceIdentifier;
            return next(ctx);
        });

        app.Use(async (ctx, next) =>
        {
            try
            {
                await next(ctx);
            }
            catch (ApiException ex) when (!ctx.Response.HasStarted)
            {
                await new ApiError(ex.Status, ex.Code, ex.Message).ExecuteAsync(ctx);
            }
            catch (ApiValidationException ex) when (!ctx.Response.HasStarted)
            {
                await new ApiValidationError(ex.Errors).ExecuteAsync(ctx);
            }
            catch (Exception ex) when (!ctx.Response.HasStarted && ctx.Request.Path.StartsWithSegments("/pay")
                && (ex is BadHttpRequestException || ctx.Features.Get<IAntiforgeryValidationFeature>() is { IsValid: false }))
            {
                // A customer's form (most often a stale anti-forgery token): a page, not JSON. With a bad token the
                // endpoint's generated binding reads the form anyway, and ASP.NET Core refuses with an InvalidOperationException.
                ctx.Response.StatusCode = StatusCodes.Status400BadRequest;
                ctx.Response.ContentType = "text/html; charset=utf-8";
                await ctx.Response.WriteAsync("""
                    <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
                    <title>Please reload the page</title></head><body><main><h1>Please reload the page</h1>
                    <p>This payment form has expired or could not be read. Go back, reload the page and try again. You have not been charged.</p>
                    </main></body></html>
                    """);
            }
            catch (BadHttpRequestException ex) when (!ctx.Response.HasStarted)
            {
                var error = ex.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? new ApiError(StatusCodes.Status400BadRequest, ErrorCodes.PayloadTooLarge, $"The request body is larger than the limit of {JsonBody.MaxBytes / 1024} KiB.")
                    : new ApiError(StatusCodes.Status400BadRequest, ErrorCodes.InvalidRequest, "The request could not be read: " + ex.Message);
                await error.ExecuteAsync(ctx);
            }
            catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
            {
                // The client went away; there is nobody to answer.
            }
            catch (Exception ex) when (!ctx.Response.HasStarted)
            {
                var logger = ctx.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("PaymentHub.Errors");
                logger.LogError(ex, "Unhandled error on {Method} {Path}; correlation id {CorrelationId}",
                    ctx.Request.Method, ctx.Request.Path, ctx.TraceIdentifier);
                ctx.Response.Clear();
                ctx.Response.Headers[CorrelationHeader] = ctx.TraceIdentifier;
                await new ApiError(StatusCodes.Status500InternalServerError, ErrorCodes.InternalError,
                    $"Something went wrong on our end. Quote correlation id {ctx.TraceIdentifier} to support.").ExecuteAsync(ctx);
            }
        });

        // Answers with a status and no body (routing's unknown route and wrong method, the job
        // dashboard's refusals) get the envelope too.
        app.UseStatusCodePages(async context =>
        {
            var ctx = context.HttpContext;
            var error = ctx.Response.StatusCode switch
            {
                404 => new ApiError(404, ErrorCodes.NotFound, "The requested resource was not found."),
                405 => new ApiError(405, ErrorCodes.MethodNotAllowed, $"The method {ctx.Request.Method} is not allowed for this resource."),
                415 => new ApiError(400, ErrorCodes.UnsupportedMediaType, "The request body must be JSON: send the header Content-Type: application/json."),
                401 => new ApiError(401, ErrorCodes.Unauthorized, "You are not signed in, or this page is not open to requests from your address."),
                403 => new ApiError(403, ErrorCodes.Forbidden, "This request is not allowed (a form without its anti-forgery token, or a read-only user)."),
                var status => new ApiError(status, ErrorCodes.InvalidRequest, "The request could not be processed."),
            };
            await error.ExecuteAsync(ctx);
        });
        return app;
    }
}
