namespace FinGuard.Storage;

/// <summary>
/// A container or table that a read-only command needs does not exist (readers never create one). The message names it
/// and is safe to show: it never contains a connection string or key.
/// </summary>
public sealed class StorageResourceMissingException : InvalidOperationException
{
    public StorageResourceMissingException()
    {
    }

    public StorageResourceMissingException(string message)
        : base(message)
    {
    }

    public StorageResourceMissingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
