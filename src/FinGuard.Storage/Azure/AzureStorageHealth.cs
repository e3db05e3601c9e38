using Azure;

namespace FinGuard.Storage.Azure;

/// <summary>Azure storage is ready when the evidence container's properties and one table page come back within the timeout.</summary>
internal sealed class AzureStorageHealth(AzureStorageClients clients, AzureStorageNames names, TimeSpan timeout) : IStorageHealth
{
    public string BackendName => StorageBackendNames.Azure;

    public async Task<StorageHealthReport> CheckAsync(CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        var step = "blob container";
        try
        {
            var container = await clients.ContainerAsync(names.EvidenceContainer, timeoutSource.Token);
            await container.GetPropertiesAsync(cancellationToken: timeoutSource.Token);
            step = "table";
            var table = await clients.TableAsync(names.EvidenceChainsTable, timeoutSource.Token);
            await foreach (var _ in table.QueryAsync<global::Azure.Data.Tables.TableEntity>(maxPerPage: 1, select: ["PartitionKey"], cancellationToken: timeoutSource.Token).AsPages(pageSizeHint: 1))
            {
                break;
            }

            return new StorageHealthReport(true, $"blob container '{names.EvidenceContainer}' and table '{names.EvidenceChainsTable}' answered");
        }
        catch (RequestFailedException ex)
        {
            // Status and error code only: the message can carry request details.
            return new StorageHealthReport(false, $"{step} failed: {ex.Status} {ex.ErrorCode}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new StorageHealthReport(false, $"{step} did not answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (Exception ex) when (ex is AggregateException or InvalidOperationException or global::Azure.Identity.AuthenticationFailedException or System.Net.Http.HttpRequestException)
        {
            return new StorageHealthReport(false, $"{step} failed: {ex.GetType().Name}");
        }
    }
}
