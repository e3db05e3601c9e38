using FinGuard.Storage;
using FinGuard.Storage.Queues;
using Microsoft.Extensions.Options;

namespace FinGuard.Processing;

/// <summary>How stored deliveries reach a worker.</summary>
public sealed class ProcessingOptions
{
    public const string SectionName = "Processing";

    /// <summary>
    /// <c>in-process</c> (default): this process's background worker takes them from an in-memory channel and resumes
    /// pending ones at start. <c>azure-queue</c>: they go to the Azure Storage queue <see cref="QueueName"/>, which the
    /// Azure Functions <c>ProcessDelivery</c> queue trigger consumes on every instance.
    /// </summary>
    public string Dispatch { get; set; } = InProcess;

    public string QueueName { get; set; } = AzureQueueDeliveryDispatcher.DefaultQueueName;

    /// <summary>
    /// Deliveries the in-process worker handles at once (default 4). More helps only while deliveries wait on GitHub or
    /// the disk; on the 2-core benchmark machine 16 was slower than 4 (the worker took CPU from the webhook ingress:
    /// bench/README.md). The evidence chain of one repository is appended in order whatever the setting.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(1, 256)]
    public int Concurrency { get; set; } = 4;

    public const string InProcess = "in-process";
    public const string AzureQueue = "azure-queue";

    public bool UsesQueue => string.Equals(Dispatch, AzureQueue, StringComparison.OrdinalIgnoreCase);
}

/// <summary>Hands a stored delivery to whatever processes it.</summary>
public interface IDeliveryDispatcher
{
    Task DispatchAsync(string deliveryId, CancellationToken cancellationToken);
}

/// <summary>In-process: the background <see cref="DeliveryWorker"/> picks it up.</summary>
public sealed class InProcessDeliveryDispatcher(DeliveryChannel channel) : IDeliveryDispatcher
{
    public Task DispatchAsync(string deliveryId, CancellationToken cancellationToken)
    {
        channel.Enqueue(deliveryId);
        return Task.CompletedTask;
    }
}

/// <summary>Azure Functions scale-out: the delivery id goes on the Storage queue.</summary>
public sealed class QueueDeliveryDispatcher(IOptions<StorageOptions> storage, IOptions<ProcessingOptions> processing) : IDeliveryDispatcher
{
    private readonly AzureQueueDeliveryDispatcher queue = new(storage.Value, processing.Value.QueueName);

    public Task DispatchAsync(string deliveryId, CancellationToken cancellationToken) => queue.SendAsync(deliveryId, cancellationToken);
}
