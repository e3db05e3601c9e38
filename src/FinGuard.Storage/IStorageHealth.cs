namespace FinGuard.Storage;

/// <summary>Readiness of the configured storage, for <c>/readyz</c>.</summary>
public interface IStorageHealth
{
    /// <summary><c>local</c> or <c>azure</c>.</summary>
    string BackendName { get; }

    /// <summary>
    /// A cheap probe (local: the folder is writable; Azure: the evidence container and a table answer within a few
    /// seconds). Never throws for a storage failure and never reveals a connection string or key.
    /// </summary>
    Task<StorageHealthReport> CheckAsync(CancellationToken cancellationToken);
}

/// <summary>Outcome of a storage probe; deconstructs as <c>var (ok, detail) = ...</c>.</summary>
public sealed record StorageHealthReport(bool Ok, string Detail);
