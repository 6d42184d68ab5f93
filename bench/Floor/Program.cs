// A bare endpoint with the shape of a small API answer: the most this machine serves per second.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
app.MapGet("/", () => Results.Json(new Answer(true, new Data("pi_0193a5e2-7c1d-7b3e-9f4a-2d6c8e1f3a5b", "requires_payment", "80.00", "USD"))));
app.Run();

internal sealed record Data(string IntentId, string Status, string Amount, string Currency);

internal sealed record Answer(bool Success, Data Data);
