namespace FinGuard.Storage.Azure;

/// <summary>Container and table names of one FinGuard installation.</summary>
internal sealed record AzureStorageNames(
    string EvidenceContainer,
    string DeliveriesContainer,
    string EvidenceIndexTable,
    string EvidenceByShaTable,
    string EvidenceChainsTable,
    string DeliveriesTable,
    string DeploymentRequestsTable,
    string JobStateTable,
    string HeadPushesTable)
{
    public static AzureStorageNames From(StorageOptions options) => new(
        options.EvidenceContainer,
        options.DeliveriesContainer,
        options.TablePrefix + AzureTableNames.EvidenceIndex,
        options.TablePrefix + AzureTableNames.EvidenceBySha,
        options.TablePrefix + AzureTableNames.EvidenceChains,
        options.TablePrefix + AzureTableNames.Deliveries,
        options.TablePrefix + AzureTableNames.DeploymentRequests,
        options.TablePrefix + AzureTableNames.JobState,
        options.TablePrefix + AzureTableNames.HeadPushes);
}
