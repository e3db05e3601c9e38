using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace FinGuard.Core.Evidence.Merkle;

/// <summary>
/// What a signed tree head states about one evidence chain: its first <paramref name="Size"/> records (sequences 1 to
/// Size, leaf i = record i+1) have the Merkle root <paramref name="RootSha256"/>, as of <paramref name="Timestamp"/>.
/// </summary>
/// <param name="Chain">The chain, <c>owner/repo</c>, lower-cased.</param>
/// <param name="Size">How many records the tree covers.</param>
/// <param name="RootSha256">The RFC 9162 root hash, lower-case hex.</param>
/// <param name="Timestamp">When FinGuard signed it (UTC).</param>
public sealed record TreeHead(string Chain, long Size, string RootSha256, DateTimeOffset Timestamp)
{
    /// <summary>The first line of every signed tree head text; a new line format gets a new version.</summary>
    public const string Format = "finguard.treehead/v1";

    /// <summary>The signature algorithm: ECDSA over P-256 with SHA-256, DER-encoded (what <c>openssl dgst -verify</c> reads).</summary>
    public const string Algorithm = "ecdsa-p256-sha256";

    /// <summary>
    /// The exact bytes that are signed and time-stamped: five lines, each ending in <c>\n</c>, e.g.
    /// <code>
    /// finguard.treehead/v1
    /// chain octo/payments
    /// size 42
    /// root 5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328
    /// time 2026-03-14T15:00:00.0000000Z
    /// </code>
    /// Plain text, so that an auditor can rebuild it with <c>printf</c> and check the signature with openssl.
    /// </summary>
    public byte[] SignedText() => Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
        $"{Format}\nchain {Chain}\nsize {Size}\nroot {RootSha256}\ntime {Timestamp.ToUniversalTime():yyyy-MM-ddTHH:mm:ss.fffffffZ}\n"));

    /// <summary>The id FinGuard names a tree-head key by: the SHA-256 (hex) of its DER SubjectPublicKeyInfo.</summary>
    public static string KeyIdOf(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()));
    }

    /// <summary>True when <paramref name="signature"/> (DER) is <paramref name="publicKey"/>'s signature over <see cref="SignedText"/>.</summary>
    public bool VerifySignature(ReadOnlySpan<byte> signature, ECDsa publicKey)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        try
        {
            return publicKey.VerifyData(SignedText(), signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
