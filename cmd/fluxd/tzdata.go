package main

// The IANA time zone database is built into fluxd, so that every user's
// zone loads even where the system has none (a scratch or distroless
// image, Windows): without it, flux.Location would read every user's
// schedule in UTC. It adds about 450 KB to the binary.
import _ "time/tzdata"
