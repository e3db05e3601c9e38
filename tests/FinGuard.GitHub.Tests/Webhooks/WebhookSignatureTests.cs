using System.Security.Cryptography;
using System.Text;
using FinGuard.GitHub.Webhooks;

namespace FinGuard.GitHub.Tests.Webhooks;

public sealed class WebhookSignatureTests
{
    // GitHub's documented test vector:
    // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
    private const string DocumentedSecret = "It's a Secret to Everybody";
    private const string DocumentedSignature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    private static readonly byte[] DocumentedBody = Encoding.UTF8.GetBytes("Hello, World!");

    [Fact]
    public void Sign_documented_vector_matches_GitHub()
    {
        Assert.Equal(DocumentedSignature, WebhookSignature.Sign(DocumentedBody, DocumentedSecret));
    }

    [Fact]
    public void Verify_documented_vector_is_valid()
    {
        Assert.Equal(WebhookSignatureResult.Valid, WebhookSignature.Verify(DocumentedBody, DocumentedSignature, DocumentedSecret));
    }

    [Fact]
    public void Verify_accepts_upper_case_hex_digest()
    {
        var upper = "sha256=" + DocumentedSignature["sha256=".Length..].ToUpperInvariant();

        Assert.Equal(WebhookSignatureResult.Valid, WebhookSignature.Verify(DocumentedBody, upper, DocumentedSecret));
    }

    [Fact]
    public void Verify_tampered_body_is_mismatch()
    {
        var tampered = Encoding.UTF8.GetBytes("Hello, World?");

        Assert.Equal(WebhookSignatureResult.Mismatch, WebhookSignature.Verify(tampered, DocumentedSignature, DocumentedSecret));
    }

    [Fact]
    public void Verify_single_flipped_bit_anywhere_in_body_is_mismatch()
    {
        for (var i = 0; i < DocumentedBody.Length * 8; i++)
        {
            var flipped = (byte[])DocumentedBody.Clone();
            flipped[i / 8] ^= (byte)(1 << (i % 8));

            Assert.Equal(WebhookSignatureResult.Mismatch, WebhookSignature.Verify(flipped, DocumentedSignature, DocumentedSecret));
        }
    }

    [Fact]
    public void Verify_wrong_secret_is_mismatch()
    {
        Assert.Equal(WebhookSignatureResult.Mismatch, WebhookSignature.Verify(DocumentedBody, DocumentedSignature, "It's a Secret to Nobody"));
    }

    [Fact]
    public void Verify_flipped_digest_digit_is_mismatch()
    {
        var last = DocumentedSignature[^1] == '7' ? '8' : '7';
        var altered = DocumentedSignature[..^1] + last;

        Assert.Equal(WebhookSignatureResult.Mismatch, WebhookSignature.Verify(DocumentedBody, altered, DocumentedSecret));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Verify_missing_header_is_missing_signature(string? header)
    {
        Assert.Equal(WebhookSignatureResult.MissingSignature, WebhookSignature.Verify(DocumentedBody, header, DocumentedSecret));
    }

    [Theory]
    // The legacy X-Hub-Signature (HMAC-SHA1) of the documented vector: correct, but not the algorithm FinGuard accepts.
    [InlineData("sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59")]
    [InlineData("sha1=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")]
    [InlineData("SHA256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")]
    [InlineData("757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")]
    [InlineData("sha256=")]
    [InlineData("sha256")]
    [InlineData("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1")]
    [InlineData("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17a")]
    [InlineData("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1700")]
    [InlineData("sha256=zz7107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")]
    [InlineData("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1g")]
    [InlineData("sha256= 57107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")]
    [InlineData(" sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")]
    [InlineData("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17 ")]
    [InlineData("sha256=ｆｆ7107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")]
    public void Verify_header_not_sha256_and_64_hex_digits_is_malformed(string header)
    {
        Assert.Equal(WebhookSignatureResult.MalformedSignature, WebhookSignature.Verify(DocumentedBody, header, DocumentedSecret));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Verify_without_secret_fails_closed_even_for_a_well_formed_header(string? secret)
    {
        Assert.Equal(WebhookSignatureResult.SecretNotConfigured, WebhookSignature.Verify(DocumentedBody, DocumentedSignature, secret));
        Assert.Equal(WebhookSignatureResult.SecretNotConfigured, WebhookSignature.Verify(DocumentedBody, null, secret));

        // A header computed with an empty key must not be accepted either.
        var emptyKeyHeader = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Array.Empty<byte>(), DocumentedBody));
        Assert.Equal(WebhookSignatureResult.SecretNotConfigured, WebhookSignature.Verify(DocumentedBody, emptyKeyHeader, secret));
    }

    [Fact]
    public void Verify_empty_body_signed_correctly_is_valid()
    {
        var header = WebhookSignature.Sign([], DocumentedSecret);

        Assert.Equal(WebhookSignatureResult.Valid, WebhookSignature.Verify([], header, DocumentedSecret));
    }

    [Fact]
    public void Sign_matches_an_independent_HMAC_over_the_raw_bytes_with_a_non_ASCII_secret()
    {
        const string secret = "s€cret-ключ";
        byte[] body = [0x00, 0xff, 0x7b, 0x22, 0x7d, 0x0a];
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

        var header = WebhookSignature.Sign(body, secret);

        Assert.Equal(expected, header);
        Assert.Equal(WebhookSignatureResult.Valid, WebhookSignature.Verify(body, header, secret));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void Sign_refuses_a_blank_secret(string secret)
    {
        Assert.ThrowsAny<ArgumentException>(() => WebhookSignature.Sign(DocumentedBody, secret));
    }
}
