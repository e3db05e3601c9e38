using System.Text.Json;
using FinGuard.Core.Deliveries;
using FinGuard.Processing;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FinGuard.Functions;

/// <summary>
/// The Azure Functions custom-handler contract for FinGuard's non-HTTP functions: the host posts
/// <c>{"Data":{...},"Metadata":{...}}</c> to <c>/&lt;FunctionName&gt;</c> and expects
/// <c>{"Outputs":{...},"Logs":[...],"ReturnValue":...}</c>. A non-2xx answer is a failed invocation: the host
/// retries a queue message (after <c>visibilityTimeout</c>) and moves it to <c>deliveries-poison</c> after
/// <c>maxDequeueCount</c> attempts (host.json).
/// <para>
/// Mapped only when the app runs as a custom handler (<c>FUNCTIONS_CUSTOMHANDLER_PORT</c> is set) or
/// <c>Functions:Enabled</c> is true, so a plain <c>finguard serve</c> does not expose them.
/// </para>
/// </summary>
public static partial class FunctionEndpoints
{
    public const string EnabledKey = "Functions:Enabled";

    /// <summary>True when the Functions host runs this process, or <c>Functions:Enabled</c> says so.</summary>
    public static bool IsEnabled(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return !string.IsNullOrEmpty(configuration["FUNCTIONS_CUSTOMHANDLER_PORT"])
            || string.Equals(configuration[EnabledKey], "true", StringComparison.OrdinalIgnoreCase);
    }

    public static IEndpointRouteBuilder MapFunctionEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (!IsEnabled(endpoints.ServiceProvider.GetRequiredService<IConfiguration>()))
        {
            return endpoints;
        }

        endpoints.MapPost("/" + FunctionNames.ProcessDelivery, ProcessDeliveryAsync);
        foreach (var timer in FunctionNames.Timers)
        {
            endpoints.MapPost("/" + timer, (HttpContext context, IEnumerable<IScheduledJob> jobs, ILogger<FunctionInvocationLog> logger, CancellationToken cancellationToken)
                => RunScheduledJobAsync(timer, context, jobs, logger, cancellationToken));
        }

        return endpoints;
    }

    /// <summary>
    /// Queue trigger: take the delivery id from the message, process the stored delivery, and answer by the
    /// inbox state afterwards — completed or permanently failed (recorded in the inbox; retrying cannot help): 200;
    /// still pending (a transient failure, or another instance has it in flight): 503 so the host retries;
    /// unknown delivery id or an unreadable message: non-2xx, so the message ends in the poison queue.
    /// </summary>
    internal static async Task<JsonHttpResult<FunctionInvocationResult>> ProcessDeliveryAsync(
        HttpContext context,
        DeliveryWorker worker,
        IDeliveryInbox inbox,
        ILogger<FunctionInvocationLog> logger,
        CancellationToken cancellationToken)
    {
        var (invocation, readError) = await ReadInvocationAsync(context, cancellationToken);
        if (invocation is null)
        {
            return Answer(StatusCodes.Status400BadRequest, readError!);
        }

        if (invocation.Data is null || !invocation.Data.TryGetValue(FunctionNames.ProcessDeliveryBinding, out var message))
        {
            return Answer(StatusCodes.Status400BadRequest,
                $"The invocation has no Data.{FunctionNames.ProcessDeliveryBinding}; the queue trigger's binding name in {FunctionNames.ProcessDelivery}/function.json must be '{FunctionNames.ProcessDeliveryBinding}'.");
        }

        if (!DeliveryQueueMessage.TryReadDeliveryId(message, out var deliveryId, out var messageError))
        {
            LogUnreadableMessage(logger, invocation.MetadataText("Id"), messageError);
            return Answer(StatusCodes.Status400BadRequest, $"Unreadable queue message {invocation.MetadataText("Id") ?? "(no id)"}: {messageError}");
        }

        var dequeueCount = invocation.MetadataText("DequeueCount") ?? "?";
        await worker.ProcessAsync(deliveryId, cancellationToken);
        var stored = await inbox.GetAsync(deliveryId, cancellationToken);
        switch (stored?.State)
        {
            case null:
                LogUnknownDelivery(logger, deliveryId);
                return Answer(StatusCodes.Status500InternalServerError,
                    $"Delivery {deliveryId} is not in the inbox; the message is retried and then moved to the poison queue.");
            case DeliveryState.Completed:
                return Answer(StatusCodes.Status200OK, $"Delivery {deliveryId} ({stored.Delivery.Event}) completed (dequeue count {dequeueCount}).");
            case DeliveryState.Failed:
                LogPermanentFailure(logger, deliveryId, stored.Attempts);
                return Answer(StatusCodes.Status200OK,
                    $"Delivery {deliveryId} ({stored.Delivery.Event}) failed permanently after {stored.Attempts} attempt(s): {stored.LastError}. Recorded in the inbox; not retried.");
            default:
                LogStillPending(logger, deliveryId, stored.Attempts);
                return Answer(StatusCodes.Status503ServiceUnavailable,
                    $"Delivery {deliveryId} ({stored.Delivery.Event}) is still pending after {stored.Attempts} attempt(s){(stored.LastError is null ? "" : ": " + stored.LastError)}; the host retries the message (dequeue count {dequeueCount}).");
        }
    }

    /// <summary>Timer trigger: run the job registered for <paramref name="functionName"/> and report what it did.</summary>
    internal static async Task<JsonHttpResult<FunctionInvocationResult>> RunScheduledJobAsync(
        string functionName,
        HttpContext context,
        IEnumerable<IScheduledJob> jobs,
        ILogger<FunctionInvocationLog> logger,
        CancellationToken cancellationToken)
    {
        var (invocation, readError) = await ReadInvocationAsync(context, cancellationToken);
        if (invocation is null)
        {
            return Answer(StatusCodes.Status400BadRequest, readError!);
        }

        if (invocation.Data is null || !invocation.Data.TryGetValue(FunctionNames.TimerBinding, out var timer) || timer.ValueKind != JsonValueKind.Object)
        {
            return Answer(StatusCodes.Status400BadRequest,
                $"The invocation has no Data.{FunctionNames.TimerBinding} object; the timer trigger's binding name in {functionName}/function.json must be '{FunctionNames.TimerBinding}'.");
        }

        var job = jobs.LastOrDefault(j => string.Equals(j.Name, functionName, StringComparison.Ordinal));
        if (job is null)
        {
            return Answer(StatusCodes.Status500InternalServerError, $"No job is registered for timer {functionName}.");
        }

        var isPastDue = timer.TryGetProperty("IsPastDue", out var pastDue) && pastDue.ValueKind == JsonValueKind.True;
        string? next = timer.TryGetProperty("ScheduleStatus", out var status) && status.ValueKind == JsonValueKind.Object
            && status.TryGetProperty("Next", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        try
        {
            var outcome = await job.RunAsync(new ScheduledJobContext(functionName, isPastDue, next), cancellationToken);
            var state = outcome.Implemented ? "done" : "NOT IMPLEMENTED";
            return Answer(StatusCodes.Status200OK, $"{functionName} ({state}; past due: {(isPastDue ? "yes" : "no")}): {outcome.Summary}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogJobFailed(logger, ex, functionName);
            return Answer(StatusCodes.Status500InternalServerError, $"{functionName} failed: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private static async Task<(FunctionInvocation? Invocation, string? Error)> ReadInvocationAsync(HttpContext context, CancellationToken cancellationToken)
    {
        try
        {
            var invocation = await JsonSerializer.DeserializeAsync(context.Request.Body, FunctionsJsonContext.Default.FunctionInvocation, cancellationToken);
            return invocation is null
                ? (null, "The request body is JSON null, not a custom-handler invocation {\"Data\":{...},\"Metadata\":{...}}.")
                : (invocation, null);
        }
        catch (JsonException ex)
        {
            return (null, $"The request body is not a custom-handler invocation {{\"Data\":{{...}},\"Metadata\":{{...}}}}: {ex.Message}");
        }
    }

    private static JsonHttpResult<FunctionInvocationResult> Answer(int statusCode, string log) =>
        TypedResults.Json(FunctionInvocationResult.FromLogs(log), FunctionsJsonContext.Default.FunctionInvocationResult, statusCode: statusCode);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Error, Message = "Queue message {MessageId} has no readable delivery id: {Problem}")]
    private static partial void LogUnreadableMessage(ILogger logger, string? messageId, string problem);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Error, Message = "Queue message names delivery {DeliveryId}, which is not in the inbox")]
    private static partial void LogUnknownDelivery(ILogger logger, string deliveryId);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Delivery {DeliveryId} is still pending after {Attempts} attempt(s); the Functions host will retry the message")]
    private static partial void LogStillPending(ILogger logger, string deliveryId, int attempts);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Error, Message = "Delivery {DeliveryId} failed permanently after {Attempts} attempt(s)")]
    private static partial void LogPermanentFailure(ILogger logger, string deliveryId, int attempts);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Error, Message = "Timer job {Job} failed")]
    private static partial void LogJobFailed(ILogger logger, Exception exception, string job);
}

/// <summary>Logger category for function invocations.</summary>
public sealed class FunctionInvocationLog;
