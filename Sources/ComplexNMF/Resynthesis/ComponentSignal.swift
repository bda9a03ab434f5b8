/// How component spectra are formed from a decomposition before the inverse STFT.
public enum ComponentSignal: String, Sendable, Hashable, Codable, CaseIterable {
    /// Complex NMF model components `H[:,k] U[k,:] P[k,:,:]` — the per-basis resynthesis with the
    /// estimated phases. They sum to the reconstruction (the model), not to the input.
    case model
    /// Mixture-consistent components `X̄_k = H U P + β (Y − F)`, `β = H U / Σ H U`: the model
    /// plus each component's share of the residual. They sum exactly to the input.
    case consistent
    /// Soft (Wiener-like) mask components `(H_k U_k / Σ H U) · Y` with the mixture phase; they
    /// sum to the input. The only kind for magnitude NMF.
    case mask
}
