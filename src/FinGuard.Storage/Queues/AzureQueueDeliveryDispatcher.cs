using Azure.Identity;
using Azure.Storage.Queues;

namespace FinGuard.Storage.Queues;

/// <summary>
/// Hands stored deliveries to Azure Functions through the Storage queue that the <c>ProcessDelivery</c> queue trigger
/// listens on, so processing scales out across instances. Messages carry only the delivery id (base64, the Functions
/// default encoding); the delivery itself is already durable in the inbox.
/// </summary>
public sealed class AzureQueueDeliveryDispatcher
{
    public const string DefaultQueueName = "deliveries";

    private readonly QueueClient queue;
    private volatile bool exists;

    public AzureQueueDeliveryDispatcher(StorageOptions options, string queueName = DefaultQueueName)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clientOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        queue = !string.IsNullOrWhiteSpace(options.ConnectionString)
            ? new QueueClient(options.ConnectionString, queueName, clientOptions)
            : options.QueueServiceUri is { } uri
                ? new QueueClient(new Uri(uri, queueName), new DefaultAzureCredential(), clientOptions)
                : throw new InvalidOperationException(
                    $"Queue dispatch needs {StorageOptions.SectionName}:{nameof(StorageOptions.ConnectionString)} or {StorageOptions.SectionName}:{nameof(StorageOptions.QueueServiceUri)}.");
    }

    public string QueueName => queue.Name;

    public async Task SendAsync(string deliveryId, CancellationToken cancellationToken)
    {
        if (!exists)
        {
            // Idempotent: concurrent first senders may both ask, which is harmless.
            await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            exists = true;
        }

        await queue.SendMessageAsync(deliveryId, cancellationToken);
    }
}
