package webpush_test

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/notify"
	"github.com/fluxlife/flux/notify/webpush"
	"github.com/fluxlife/flux/store/sqlite"
)

// The push channel on the embedded store: keys generated once and kept,
// a subscription checked and stored, a reminder sent to it.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "flux-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	store, err := sqlite.Open(ctx, filepath.Join(dir, "flux.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	user := flux.NewUser(flux.NewID(), "ada@example.com", "Ada")
	if err := store.Users().CreateUser(ctx, user); err != nil {
		log.Fatal(err)
	}

	// The VAPID keys: generated on first start and kept in the store, since
	// no VAPID_PRIVATE_KEY and VAPID_PUBLIC_KEY are given. Browsers
	// subscribe with keys.Public.
	keys, err := webpush.LoadKeys(ctx, store.Secrets(), "", "")
	if err != nil {
		log.Fatal(err)
	}

	// A self-hosted push service standing in for FCM or Mozilla; its host
	// must be allowed explicitly (FLUX_PUSH_ALLOWED_HOSTS).
	push := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Location", "https://push.example/m/1")
		w.WriteHeader(http.StatusCreated)
	}))
	defer push.Close()
	allowed := []string{strings.TrimPrefix(push.URL, "http://")}

	// What a browser's pushManager.subscribe gives the frontend.
	browserKey, _ := ecdh.P256().GenerateKey(rand.Reader)
	authSecret := make([]byte, 16)
	_, _ = rand.Read(authSecret)
	sub := &flux.PushSubscription{
		UserID:   user.ID,
		DeviceID: "laptop",
		Endpoint: push.URL + "/push/laptop",
		P256DH:   base64.RawURLEncoding.EncodeToString(browserKey.PublicKey().Bytes()),
		Auth:     base64.RawURLEncoding.EncodeToString(authSecret),
	}
	if err := webpush.CheckEndpoint(sub.Endpoint, allowed); err != nil {
		log.Fatal(err)
	}
	if err := webpush.CheckKeys(sub.P256DH, sub.Auth); err != nil {
		log.Fatal(err)
	}
	if err := store.PushSubscriptions().SavePushSubscription(ctx, sub); err != nil {
		log.Fatal(err)
	}

	ch, err := webpush.New(store.PushSubscriptions(), keys, &webpush.Options{
		Subscriber:   "mailto:ops@example.com",
		AllowedHosts: allowed,
	})
	if err != nil {
		log.Fatal(err)
	}
	r, err := ch.Send(ctx, notify.Message{
		ID:       flux.NewID(),
		UserID:   user.ID,
		TaskID:   flux.NewID(),
		Priority: flux.PriorityImportant,
		Title:    "Evening run",
		Body:     "5 km easy, due at 18:30",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ch.Name(), r.Provider, r.Status, r.ProviderID)
	// Output: push webpush sent https://push.example/m/1
}

func ExampleCheckEndpoint() {
	for _, endpoint := range []string{
		"https://fcm.googleapis.com/fcm/send/dGVzdA:APA91b",
		"https://updates.push.services.mozilla.com/wpush/v2/gAAAA",
		"http://fcm.googleapis.com/fcm/send/x",
		"https://169.254.169.254/latest/meta-data/",
		"https://fcm.googleapis.com.evil.example/",
		"http://push.internal:8080/p/1",
	} {
		err := webpush.CheckEndpoint(endpoint, []string{"push.internal:8080"})
		if err != nil {
			fmt.Println("refused:", err.(*flux.Error).Fields[0].Message)
			continue
		}
		fmt.Println("accepted")
	}
	// Output:
	// accepted
	// accepted
	// refused: must use https
	// refused: must name a push service, not an IP address
	// refused: is not on a known push service (FCM, Mozilla, Apple or Windows)
	// accepted
}
