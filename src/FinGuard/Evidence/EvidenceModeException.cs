namespace FinGuard.Evidence;

/// <summary>FinGuard was asked to run in production mode on storage that is not verified write-once; it refuses to start.</summary>
public sealed class EvidenceModeException : Exception
{
    public EvidenceModeException()
    {
    }

    public EvidenceModeException(string message)
        : base(message)
    {
    }

    public EvidenceModeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
