namespace FinGuard.Storage.Azure;

/// <summary>
/// The tables of the Azure backend, without <see cref="StorageOptions.TablePrefix"/>. infra/main.bicep creates each
/// (its <c>tableNames</c>), and a Bicep test keeps the two lists equal.
/// </summary>
public static class AzureTableNames
{
    public const string EvidenceIndex = "EvidenceIndex";
    public const string EvidenceBySha = "EvidenceBySha";
    public const string EvidenceChains = "EvidenceChains";
    public const string Deliveries = "Deliveries";
    public const string DeploymentRequests = "DeploymentRequests";
    public const string JobState = "JobState";
    public const string HeadPushes = "HeadPushes";

    /// <summary>Every table FinGuard's code uses.</summary>
    public static IReadOnlyList<string> All { get; } = [EvidenceIndex, EvidenceBySha, EvidenceChains, Deliveries, DeploymentRequests, JobState, HeadPushes];
}
