using System.Collections.Concurrent;
using System.Diagnostics;
using FinGuard.Core.Deliveries;
using FinGuard.GitHub.Api;
using FinGuard.Telemetry;

namespace FinGuard.Processing;

/// <summary>Handles one kind of webhook event. Handlers must be idempotent per delivery id.</summary>
public interface IDeliveryHandler
{
    /// <summary>The <c>X-GitHub-Event</c> names this handler takes.</summary>
    IReadOnlyCollection<string> Events { get; }

    Task HandleAsync(InboundDelivery delivery, CancellationToken cancellationToken);
}

/// <summary>
/// Processes stored deliveries in the background: at start it resumes every pending delivery left by a
/// previous process, then takes new ones from the <see cref="DeliveryChannel"/>. A delivery is marked completed
/// only after its handler finished (evidence written, check published); transient failures are retried with
/// back-off, up to <see cref="MaxAttempts"/>. Each attempt is a <c>finguard.delivery</c> span (delivery id, event, action,
/// installation, repository) with a log scope of the same values, counted as processed or failed.
/// </summary>
public sealed partial class DeliveryWorker(
    IDeliveryInbox inbox,
    DeliveryChannel queue,
    IServiceScopeFactory scopes,
    Microsoft.Extensions.Options.IOptions<ProcessingOptions> options,
    TimeProvider time,
    FinGuardTelemetry telemetry,
    ILogger<DeliveryWorker> logger) : BackgroundService
{
    public const int MaxAttempts = 6;

    private readonly ConcurrentDictionary<string, byte> inFlight = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> configurationFailuresLogged = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.UsesQueue)
        {
            // Azure Functions delivers queue messages to ProcessDelivery on every instance; nothing to consume here.
            LogQueueMode(options.Value.QueueName);
            return;
        }

        try
        {
            foreach (var pending in await inbox.ListPendingAsync(stoppingToken))
            {
                LogResuming(pending.Delivery.DeliveryId, pending.Delivery.Event, pending.Attempts);
                queue.Enqueue(pending.Delivery.DeliveryId);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogResumeFailed(ex);
        }

        await Parallel.ForEachAsync(
            queue.Reader.ReadAllAsync(stoppingToken),
            new ParallelOptions { MaxDegreeOfParallelism = options.Value.Concurrency, CancellationToken = stoppingToken },
            async (deliveryId, ct) => await ProcessAsync(deliveryId, ct));
    }

    /// <summary>
    /// Processes one delivery to completion or recorded failure. When storage itself fails (the delivery cannot be read,
    /// or its failure cannot be recorded), the delivery stays pending: in process it is tried again later, and the
    /// worker goes on with the others; a queue invocation throws, so the Functions host retries its message.
    /// </summary>
    public async Task ProcessAsync(string deliveryId, CancellationToken cancellationToken)
    {
        if (!inFlight.TryAdd(deliveryId, 0))
        {
            return;
        }

        try
        {
            await ProcessCoreAsync(deliveryId, cancellationToken);
        }
        catch (Exception ex) when (!options.Value.UsesQueue && (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
        {
            LogStorageFailed(ex, deliveryId);
            ScheduleRetry(deliveryId, StorageRetryAttempt, cancellationToken);
        }
        finally
        {
            inFlight.TryRemove(deliveryId, out _);
        }
    }

    /// <summary>Retries after a storage failure wait 2^3 = 8 s: storage outages last seconds to minutes, not milliseconds.</summary>
    private const int StorageRetryAttempt = 3;

    private async Task ProcessCoreAsync(string deliveryId, CancellationToken cancellationToken)
    {
        var stored = await inbox.GetAsync(deliveryId, cancellationToken);
        if (stored is null || stored.State != DeliveryState.Pending)
        {
            return;
        }

        var delivery = stored.Delivery;
        using var activity = FinGuardTelemetry.StartDelivery(delivery.DeliveryId, delivery.Event, delivery.Action, delivery.InstallationId, delivery.Repository);
        activity?.SetTag("finguard.delivery.attempt", stored.Attempts + 1);
        using var scope = logger.BeginScope(new Dictionary<string, object?>
        {
            ["DeliveryId"] = delivery.DeliveryId,
            ["Event"] = delivery.Event,
            ["Action"] = delivery.Action,
            ["InstallationId"] = delivery.InstallationId,
            ["Repository"] = delivery.Repository,
        });

        await using var services = scopes.CreateAsyncScope();
        // Every handler of the event runs (a finished check can matter to pull requests and to deployments alike);
        // each is idempotent per delivery, so a retry after one of them failed repeats the others harmlessly.
        var handlers = services.ServiceProvider.GetServices<IDeliveryHandler>().Where(h => h.Events.Contains(delivery.Event)).ToList();
        if (handlers.Count == 0)
        {
            await inbox.MarkCompletedAsync(deliveryId, cancellationToken);
            telemetry.DeliveryProcessed(delivery.Event);
            return;
        }

        try
        {
            foreach (var handler in handlers)
            {
                await handler.HandleAsync(delivery, cancellationToken);
            }

            await inbox.MarkCompletedAsync(deliveryId, cancellationToken);
            LogProcessed(delivery.Event, delivery.Action);
            telemetry.DeliveryProcessed(delivery.Event);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var attempt = stored.Attempts + 1;
            var transient = IsTransient(ex);
            var permanent = !transient || attempt >= MaxAttempts;
            if (ex is FinGuard.GitHub.Auth.GitHubAuthException { StatusCode: null, InstallationId: null } configuration)
            {
                // FinGuard's own configuration (no App id, an unreadable key): the same for every delivery until an
                // operator fixes it, so the cause and remedy are logged once and each delivery gets one line.
                if (configurationFailuresLogged.TryAdd(configuration.Message, 0))
                {
                    LogConfigurationFailure(configuration.Message);
                }

                LogFailedForConfiguration(attempt, permanent, configuration.Message);
            }
            else
            {
                LogFailed(ex, attempt, permanent);
            }

            telemetry.DeliveryFailed(delivery.Event, permanent);
            activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            activity?.SetTag("error.type", ex.GetType().FullName);
            activity?.SetTag("finguard.delivery.permanent_failure", permanent);
            await inbox.MarkFailedAsync(deliveryId, $"{ex.GetType().Name}: {ex.Message}", permanent, cancellationToken);
            if (!permanent && !options.Value.UsesQueue)
            {
                ScheduleRetry(deliveryId, attempt, cancellationToken);
            }
        }
    }

    private static bool IsTransient(Exception ex) => ex switch
    {
        GitHubApiException api => api.IsTransient,
        HttpRequestException or TimeoutException or IOException => true,
        TaskCanceledException => true,
        Azure.RequestFailedException storage => storage.Status is 0 or 408 or 429 or >= 500,
        _ => false,
    };

    private void ScheduleRetry(string deliveryId, int attempt, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromSeconds(Math.Min(300, Math.Pow(2, attempt)));
        _ = Task.Delay(delay, time, cancellationToken).ContinueWith(
            _ => queue.Enqueue(deliveryId),
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnRanToCompletion,
            TaskScheduler.Default);
    }

    [LoggerMessage(EventId = 2006, Level = LogLevel.Error, Message = "Storage failed while processing delivery {DeliveryId}; it stays pending and is tried again")]
    private partial void LogStorageFailed(Exception exception, string deliveryId);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "Deliveries are dispatched to the Azure Storage queue '{QueueName}'; the ProcessDelivery function processes them")]
    private partial void LogQueueMode(string queueName);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Resuming pending delivery {DeliveryId} ({Event}) after {Attempts} attempts")]
    private partial void LogResuming(string deliveryId, string @event, int attempts);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "Could not list pending deliveries at start; they will be retried on the next start")]
    private partial void LogResumeFailed(Exception exception);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Processed {Event}.{Action}")]
    private partial void LogProcessed(string @event, string? action);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Error, Message = "FinGuard cannot authenticate as the GitHub App: {Cause} Every delivery that needs GitHub fails until this is fixed: set the App's settings (GitHub:AppId and GitHub:PrivateKey or GitHub:PrivateKeyPath; /readyz names what is missing) and restart, then redeliver the failed deliveries (docs/operations.md, \"Redelivering missed webhooks\"). Each failed delivery is logged in one line (event 2008).")]
    private partial void LogConfigurationFailure(string cause);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Warning, Message = "Processing failed (attempt {Attempt}, permanent: {Permanent}): FinGuard's GitHub App configuration is incomplete ({Cause}); see event 2007")]
    private partial void LogFailedForConfiguration(int attempt, bool permanent, string cause);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Processing failed (attempt {Attempt}, permanent: {Permanent})")]
    private partial void LogFailed(Exception exception, int attempt, bool permanent);
}
