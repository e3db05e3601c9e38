namespace FinGuard.Storage.Local;

/// <summary>The local folder is ready when a probe file can be written, flushed and removed in it.</summary>
internal sealed class LocalStorageHealth(string root) : IStorageHealth
{
    private readonly string _root = Path.GetFullPath(root);

    public string BackendName => StorageBackendNames.Local;

    public async Task<StorageHealthReport> CheckAsync(CancellationToken cancellationToken)
    {
        var probe = Path.Combine(_root, $".health-{Guid.NewGuid():N}{AtomicFile.TempSuffix}");
        try
        {
            Directory.CreateDirectory(_root);
            await AtomicFile.ReplaceAsync(probe, "ok"u8.ToArray(), cancellationToken);
            File.Delete(probe);
            return new StorageHealthReport(true, $"folder '{_root}' is writable");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new StorageHealthReport(false, $"folder '{_root}' is not writable: {ex.GetType().Name}");
        }
    }
}
