package io.werkstrom.app.chaos;

/**
 * The outcome of a security drill, printed as the command's last line of JSON.
 *
 * @param attempts          hostile attempts made (logins, forged topics, forged claims, mutated and
 *                          oversized payloads, cross-tenant reads and writes)
 * @param rejected          attempts refused, each with a logged reason; a cross-tenant read of a
 *                          relation that holds no row of the other tenant proves nothing and is not
 *                          counted here, so it fails the drill
 * @param leakedRows        rows of another tenant that a tenant role read, or that a forged message
 *                          got stored under another identity
 * @param crashes           exceptions that escaped the ingest path, or a broker that died
 * @param goodSamplesLost   samples of the honest gateways that the broker refused, or acknowledged but
 *                          the cloud did not store
 */
public record SecurityChaosResult(long attempts, long rejected, long leakedRows, long crashes, long goodSamplesLost) {

    public String toJson() {
        return "{\"attempts\":" + attempts + ", \"rejected\":" + rejected + ", \"leaked_rows\":" + leakedRows
                + ", \"crashes\":" + crashes + ", \"good_samples_lost\":" + goodSamplesLost + "}";
    }

    /** Every attempt refused, nothing leaked, nothing crashed, nothing honest lost. */
    public boolean passed() {
        return attempts > 0 && rejected == attempts && leakedRows == 0 && crashes == 0 && goodSamplesLost == 0;
    }
}
