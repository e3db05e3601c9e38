namespace FinGuard.Storage.Evidence;

/// <summary>
/// An evidence chain could not be extended: too many concurrent writers kept taking the next sequence, or the
/// stored records do not link up (a record names a previous hash that is not its predecessor's).
/// </summary>
public sealed class EvidenceChainException : Exception
{
    public EvidenceChainException()
    {
    }

    public EvidenceChainException(string message)
        : base(message)
    {
    }

    public EvidenceChainException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
