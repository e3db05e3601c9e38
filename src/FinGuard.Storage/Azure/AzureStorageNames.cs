namespace FinGuard.Storage.Azure;

/// <summary>Container and table names of one FinGuard installation.</summary>
internal sealed record AzureStorageNames(
    string EvidenceContainer,
    string DeliveriesContainer,
    string EvidenceIndexTable,
    string EvidenceByShaTable,
    string EvidenceChainsTable,
    string DeliveriesTable)
{
    public static AzureStorageNames From(StorageOptions options) => new(
        options.EvidenceContainer,
        options.DeliveriesContainer,
        options.TablePrefix + "EvidenceIndex",
        options.TablePrefix + "EvidenceBySha",
        options.TablePrefix + "EvidenceChains",
        options.TablePrefix + "Deliveries");
}
