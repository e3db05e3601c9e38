using Microsoft.Azure.Functions.Worker;

namespace FinGuard.Functions;

/// <summary>
/// The Azure Functions of the function app (isolated worker; the SDK writes their bindings to <c>functions.metadata</c>).
/// Each is a thin adapter that hands its trigger's input to the handler <c>finguard serve</c> uses: the HTTP functions
/// run the app's own endpoints (<see cref="FunctionHttpEndpoints"/>), <see cref="ProcessDelivery"/> the
/// <see cref="DeliveryQueueFunction"/> over the delivery worker, and the timers the <see cref="IScheduledJob"/> of the
/// same name (<see cref="ScheduledJobRunner"/>), on the schedules <see cref="LocalTimerScheduler"/> uses in <c>serve</c>.
/// A function that throws is a failed invocation: the host retries a queue message and moves it to
/// <c>deliveries-poison</c> after <c>maxDequeueCount</c> attempts (host.json).
/// </summary>
public sealed class FinGuardFunctions
{
    // The routes of the app's endpoints without the leading slash (host.json sets an empty route prefix, so the public
    // path is exactly the route); a test checks each against the endpoints FunctionHttpEndpoints finds.
    internal const string WebhookRoute = "api/github/webhooks";
    internal const string HealthzRoute = "healthz";
    internal const string ReadyzRoute = "readyz";
    internal const string SetupInstalledRoute = "setup/installed";

    [Function(FunctionNames.Webhook)]
    public static IResult Webhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = WebhookRoute)] HttpRequest request, FunctionContext context) =>
        Http(request, context, WebhookRoute);

    [Function(FunctionNames.Healthz)]
    public static IResult Healthz(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = HealthzRoute)] HttpRequest request, FunctionContext context) =>
        Http(request, context, HealthzRoute);

    [Function(FunctionNames.Readyz)]
    public static IResult Readyz(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ReadyzRoute)] HttpRequest request, FunctionContext context) =>
        Http(request, context, ReadyzRoute);

    [Function(FunctionNames.SetupInstalled)]
    public static IResult SetupInstalled(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = SetupInstalledRoute)] HttpRequest request, FunctionContext context) =>
        Http(request, context, SetupInstalledRoute);

    [Function(FunctionNames.ProcessDelivery)]
    public static Task ProcessDelivery(
        [QueueTrigger(FunctionNames.DeliveriesQueue, Connection = FunctionNames.DeliveriesQueueConnection)] string message, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var dequeueCount = context.BindingContext.BindingData.TryGetValue("DequeueCount", out var count) ? Convert.ToString(count, System.Globalization.CultureInfo.InvariantCulture) : null;
        var messageId = context.BindingContext.BindingData.TryGetValue("Id", out var id) ? Convert.ToString(id, System.Globalization.CultureInfo.InvariantCulture) : null;
        return context.InstanceServices.GetRequiredService<DeliveryQueueFunction>()
            .RunAsync(message, messageId, dequeueCount, context.CancellationToken);
    }

    [Function(FunctionNames.RedeliverySweep)]
    public static Task RedeliverySweep([TimerTrigger(FunctionSchedules.RedeliverySweep)] TimerInfo timer, FunctionContext context) =>
        Timer(FunctionNames.RedeliverySweep, timer, context);

    [Function(FunctionNames.FreezeWindowEdges)]
    public static Task FreezeWindowEdges([TimerTrigger(FunctionSchedules.FreezeWindowEdges)] TimerInfo timer, FunctionContext context) =>
        Timer(FunctionNames.FreezeWindowEdges, timer, context);

    [Function(FunctionNames.DailyCheckpoint)]
    public static Task DailyCheckpoint([TimerTrigger(FunctionSchedules.DailyCheckpoint)] TimerInfo timer, FunctionContext context) =>
        Timer(FunctionNames.DailyCheckpoint, timer, context);

    [Function(FunctionNames.TreeHeads)]
    public static Task TreeHeads([TimerTrigger(FunctionSchedules.TreeHeads)] TimerInfo timer, FunctionContext context) =>
        Timer(FunctionNames.TreeHeads, timer, context);

    private static IResult Http(HttpRequest request, FunctionContext context, string route)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.InstanceServices.GetRequiredService<FunctionHttpEndpoints>().For(request, route);
    }

    private static Task<string> Timer(string name, TimerInfo timer, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(timer);
        ArgumentNullException.ThrowIfNull(context);
        var next = timer.ScheduleStatus?.Next is { } at && at != default
            ? new DateTimeOffset(DateTime.SpecifyKind(at, at.Kind == DateTimeKind.Unspecified ? DateTimeKind.Utc : at.Kind)).ToString("O", System.Globalization.CultureInfo.InvariantCulture)
            : null;
        return context.InstanceServices.GetRequiredService<ScheduledJobRunner>()
            .RunAsync(new ScheduledJobContext(name, timer.IsPastDue, next), context.CancellationToken);
    }
}
