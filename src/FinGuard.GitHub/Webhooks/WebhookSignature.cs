using System.Security.Cryptography;
using System.Text;

namespace FinGuard.GitHub.Webhooks;

/// <summary>Outcome of checking a delivery's <c>X-Hub-Signature-256</c> header.</summary>
public enum WebhookSignatureResult
{
    /// <summary>The header carries the HMAC-SHA256 of the body under the configured secret.</summary>
    Valid,

    /// <summary>No webhook secret is configured. The delivery must be rejected: FinGuard fails closed.</summary>
    SecretNotConfigured,

    /// <summary>The delivery has no signature header (or an empty one).</summary>
    MissingSignature,

    /// <summary>The header is not <c>sha256=</c> followed by 64 hex digits (e.g. a legacy <c>sha1=</c> header).</summary>
    MalformedSignature,

    /// <summary>The header is well formed but does not match the body under the configured secret.</summary>
    Mismatch,
}

/// <summary>
/// GitHub webhook signatures (<c>X-Hub-Signature-256</c>): HMAC-SHA256 of the raw request body keyed with
/// the webhook secret, sent as <c>sha256=&lt;hex digest&gt;</c>.
/// </summary>
/// <remarks>
/// Pure functions over the raw bytes: verify before parsing, and never over a re-serialised body.
/// The caller reads the secret per request (e.g. from <c>IOptionsMonitor</c>) so rotation needs no restart.
/// </remarks>
public static class WebhookSignature
{
    /// <summary>The name of the header GitHub signs deliveries with.</summary>
    public const string HeaderName = "X-Hub-Signature-256";

    private const string Prefix = "sha256=";
    private const int DigestHexLength = HMACSHA256.HashSizeInBytes * 2;

    /// <summary>
    /// Checks <paramref name="signatureHeader"/> against the HMAC-SHA256 of <paramref name="body"/> keyed with
    /// <paramref name="secret"/>. Fails closed: a missing or blank secret is <see cref="WebhookSignatureResult.SecretNotConfigured"/>,
    /// never <see cref="WebhookSignatureResult.Valid"/>. The digest comparison is constant-time.
    /// </summary>
    public static WebhookSignatureResult Verify(ReadOnlySpan<byte> body, string? signatureHeader, string? secret)
    {
        if (string.IsNullOrWhiteSpace(secret))
        {
            return WebhookSignatureResult.SecretNotConfigured;
        }

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        if (!TryReadHeader(signatureHeader, expected, out var problem))
        {
            return problem;
        }

        Span<byte> actual = stackalloc byte[HMACSHA256.HashSizeInBytes];
        ComputeDigest(body, secret, actual);

        return CryptographicOperations.FixedTimeEquals(actual, expected)
            ? WebhookSignatureResult.Valid
            : WebhookSignatureResult.Mismatch;
    }

    /// <summary>
    /// Checks only the header's form — present, <c>sha256=</c> and 64 hex digits — so a request that cannot be
    /// authentic is refused before its body is read. <paramref name="problem"/> is
    /// <see cref="WebhookSignatureResult.MissingSignature"/> or <see cref="WebhookSignatureResult.MalformedSignature"/>
    /// when false; true says nothing about the body, which <see cref="Verify"/> still has to check.
    /// </summary>
    public static bool IsWellFormed(string? signatureHeader, out WebhookSignatureResult problem)
    {
        Span<byte> digest = stackalloc byte[HMACSHA256.HashSizeInBytes];
        return TryReadHeader(signatureHeader, digest, out problem);
    }

    private static bool TryReadHeader(string? signatureHeader, Span<byte> digest, out WebhookSignatureResult problem)
    {
        problem = WebhookSignatureResult.MalformedSignature;
        if (string.IsNullOrEmpty(signatureHeader))
        {
            problem = WebhookSignatureResult.MissingSignature;
            return false;
        }

        if (!signatureHeader.StartsWith(Prefix, StringComparison.Ordinal) || signatureHeader.Length != Prefix.Length + DigestHexLength)
        {
            return false;
        }

        var status = Convert.FromHexString(signatureHeader.AsSpan(Prefix.Length), digest, out _, out var written);
        return status == System.Buffers.OperationStatus.Done && written == digest.Length;
    }

    /// <summary>Computes the <c>X-Hub-Signature-256</c> value (<c>sha256=</c> + lowercase hex) GitHub would send for <paramref name="body"/>.</summary>
    public static string Sign(ReadOnlySpan<byte> body, string secret)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(secret);

        Span<byte> digest = stackalloc byte[HMACSHA256.HashSizeInBytes];
        ComputeDigest(body, secret, digest);
        return Prefix + Convert.ToHexStringLower(digest);
    }

    private static void ComputeDigest(ReadOnlySpan<byte> body, string secret, Span<byte> destination)
    {
        var key = Encoding.UTF8.GetBytes(secret);
        try
        {
            HMACSHA256.HashData(key, body, destination);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }
}
