package webpush

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	webpushgo "github.com/SherClockHolmes/webpush-go"

	"github.com/fluxlife/flux"
)

// SecretName is the name of the VAPID key pair in the flux.SecretStore.
const SecretName = "vapid_keys"

// Keys is the server's VAPID key pair (RFC 8292): Public is the 65-byte
// uncompressed P-256 point that browsers take as applicationServerKey,
// Private the 32-byte scalar that signs each request's JWT; both base64url,
// normally without padding (as webpush-go generates them and browsers
// expect the public key; padded keys are accepted too).
type Keys struct {
	Public  string `json:"public_key"`
	Private string `json:"private_key"`
}

// GenerateKeys returns a new VAPID key pair.
func GenerateKeys() (Keys, error) {
	private, public, err := webpushgo.GenerateVAPIDKeys()
	if err != nil {
		return Keys{}, fmt.Errorf("webpush: generate VAPID keys: %w", err)
	}
	return Keys{Public: public, Private: private}, nil
}

// Validate reports whether k is a valid P-256 key pair: Private a scalar of
// the curve, Public its public point.
func (k Keys) Validate() error {
	if k.Private == "" || k.Public == "" {
		return errors.New("a VAPID key pair needs both keys")
	}
	privBytes, ok := decodeBase64URL(k.Private)
	if !ok || len(privBytes) != 32 {
		return errors.New("the private key is not 32 bytes of base64url")
	}
	priv, err := ecdh.P256().NewPrivateKey(privBytes)
	if err != nil {
		return errors.New("the private key is not a P-256 private key")
	}
	pubBytes, ok := decodeBase64URL(k.Public)
	if !ok || len(pubBytes) != 65 {
		return errors.New("the public key is not 65 bytes of base64url (an uncompressed P-256 point)")
	}
	if _, err := ecdh.P256().NewPublicKey(pubBytes); err != nil {
		return errors.New("the public key is not a point on the P-256 curve")
	}
	if !bytes.Equal(priv.PublicKey().Bytes(), pubBytes) {
		return errors.New("the public key does not belong to the private key")
	}
	return nil
}

// LoadKeys returns the server's VAPID keys. When private and public are
// both given (fluxd passes VAPID_PRIVATE_KEY and VAPID_PUBLIC_KEY), they
// are checked to be one P-256 key pair and used as given. When neither is,
// the pair stored in secrets under SecretName is used, generated and
// stored on first use, so the keys (and with them every browser's
// subscription) survive a restart and concurrent first starts agree. One
// without the other is an EInvalid error naming the missing variable.
// Surrounding white space of the given keys is ignored.
func LoadKeys(ctx context.Context, secrets flux.SecretStore, private, public string) (Keys, error) {
	private, public = strings.TrimSpace(private), strings.TrimSpace(public)
	switch {
	case private != "" && public != "":
		k := Keys{Public: public, Private: private}
		if err := k.Validate(); err != nil {
			return Keys{}, flux.Errorf(flux.EInvalid, "VAPID_PRIVATE_KEY and VAPID_PUBLIC_KEY: %v", err)
		}
		return k, nil
	case private != "":
		return Keys{}, flux.Errorf(flux.EInvalid, "VAPID_PUBLIC_KEY is not set, but VAPID_PRIVATE_KEY is: set both, or neither to use generated keys")
	case public != "":
		return Keys{}, flux.Errorf(flux.EInvalid, "VAPID_PRIVATE_KEY is not set, but VAPID_PUBLIC_KEY is: set both, or neither to use generated keys")
	}
	if secrets == nil {
		return Keys{}, errors.New("webpush: no VAPID keys given and no secret store to keep generated ones")
	}
	b, err := secrets.Secret(ctx, SecretName, func() ([]byte, error) {
		k, err := GenerateKeys()
		if err != nil {
			return nil, err
		}
		return json.Marshal(k)
	})
	if err != nil {
		return Keys{}, fmt.Errorf("webpush: load VAPID keys: %w", err)
	}
	var k Keys
	if err := json.Unmarshal(b, &k); err != nil {
		return Keys{}, fmt.Errorf("webpush: the stored secret %q is not a VAPID key pair: %w", SecretName, err)
	}
	if err := k.Validate(); err != nil {
		return Keys{}, fmt.Errorf("webpush: the stored secret %q: %w", SecretName, err)
	}
	return k, nil
}
