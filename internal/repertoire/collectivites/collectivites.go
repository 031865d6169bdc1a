// Package collectivites loads the French collectivités (régions, départements, EPCI and
// current communes) into the répertoire as LocalAuthority records, from the JSON files of
// the @etalab/decoupage-administratif package or from the reduced copy of those files that
// coopdesk embeds (data/collectivites.json.gz, Licence Ouverte / Etalab, see data/README.md).
//
// Loading is an upsert keyed by country, level and official code: a newer release renames
// and updates records in place, so their ids, and every edge that points at them
// (partnerships, contacts, group memberships), stay as they were; a record that did not
// change is not written at all.
package collectivites

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed" // the reduced copy of the French data
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Region is one record of regions.json.
type Region struct {
	Code string `json:"code"`
	Name string `json:"nom"`
	Zone string `json:"zone,omitempty"`
}

// Departement is one record of departements.json.
type Departement struct {
	Code   string `json:"code"`
	Name   string `json:"nom"`
	Zone   string `json:"zone,omitempty"`
	Region string `json:"region,omitempty"`
}

// EPCI is one record of epci.json; Code is its SIREN.
type EPCI struct {
	Code       string   `json:"code"`
	Name       string   `json:"nom"`
	Kind       string   `json:"type,omitempty"`
	Population *int     `json:"populationMunicipale,omitempty"`
	Members    []Member `json:"membres"`
}

// Member is a member commune of an EPCI, by INSEE code.
type Member struct {
	Code string `json:"code"`
}

// Commune is one record of communes.json. Only current communes (type commune-actuelle,
// or no type in the embedded copy) are kept: communes déléguées, associées and
// arrondissements municipaux share codes with current communes and are not collectivités.
type Commune struct {
	Code        string `json:"code"`
	Name        string `json:"nom"`
	Type        string `json:"type,omitempty"`
	Zone        string `json:"zone,omitempty"`
	Departement string `json:"departement"`
	SIREN       string `json:"siren,omitempty"`
	Population  *int   `json:"population,omitempty"`
}

// currentCommune is the type of the communes that exist today.
const currentCommune = "commune-actuelle"

// Dataset is a release of the French data, whole or in part: a list left empty is not
// touched by Load.
type Dataset struct {
	Regions      []Region      `json:"regions,omitempty"`
	Departements []Departement `json:"departements,omitempty"`
	EPCI         []EPCI        `json:"epci,omitempty"`
	Communes     []Commune     `json:"communes,omitempty"`
}

// FileNames are the names of the four files of the package, in loading order.
var FileNames = []string{"regions.json", "departements.json", "epci.json", "communes.json"}

//go:embed data/collectivites.json.gz
var embedded []byte

// Embedded returns the French data embedded in the binary.
func Embedded() (*Dataset, error) {
	zr, err := gzip.NewReader(bytes.NewReader(embedded))
	if err != nil {
		return nil, fmt.Errorf("embedded collectivités: %w", err)
	}
	var ds Dataset
	if err := json.NewDecoder(zr).Decode(&ds); err != nil {
		return nil, fmt.Errorf("embedded collectivités: %w", err)
	}
	if err := ds.Validate(); err != nil {
		return nil, fmt.Errorf("embedded collectivités: %w", err)
	}
	return &ds, nil
}

// Read reads path: a folder holding one or more of the four files, or one of the files.
// Every file is decoded and checked before Read returns, so that a malformed file is
// reported before anything is written.
func Read(path string) (*Dataset, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read collectivités: %w", err)
	}
	var ds Dataset
	if !info.IsDir() {
		if err := readFile(path, &ds); err != nil {
			return nil, err
		}
		if err := ds.Validate(); err != nil {
			return nil, err
		}
		return &ds, nil
	}
	found := 0
	for _, name := range FileNames {
		p := filepath.Join(path, name)
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err := readFile(p, &ds); err != nil {
			return nil, err
		}
		found++
	}
	if found == 0 {
		return nil, fmt.Errorf("%s holds none of %s", path, strings.Join(FileNames, ", "))
	}
	if err := ds.Validate(); err != nil {
		return nil, err
	}
	return &ds, nil
}

// readFile decodes one file, chosen by its name, into ds.
func readFile(path string, ds *Dataset) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read collectivités: %w", err)
	}
	defer f.Close()
	name := filepath.Base(path)
	r := bufio.NewReaderSize(f, 1<<16)
	switch name {
	case "regions.json":
		err = decodeArray(r, func(d *json.Decoder) error {
			var v Region
			err := d.Decode(&v)
			ds.Regions = append(ds.Regions, v)
			return err
		})
	case "departements.json":
		err = decodeArray(r, func(d *json.Decoder) error {
			var v Departement
			err := d.Decode(&v)
			ds.Departements = append(ds.Departements, v)
			return err
		})
	case "epci.json":
		err = decodeArray(r, func(d *json.Decoder) error {
			var v EPCI
			err := d.Decode(&v)
			ds.EPCI = append(ds.EPCI, v)
			return err
		})
	case "communes.json":
		err = decodeArray(r, func(d *json.Decoder) error {
			var v Commune
			if err := d.Decode(&v); err != nil {
				return err
			}
			if v.Type == "" || v.Type == currentCommune {
				v.Type = ""
				ds.Communes = append(ds.Communes, v)
			}
			return nil
		})
	default:
		return fmt.Errorf("%s: unknown file name: want one of %s", path, strings.Join(FileNames, ", "))
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// decodeArray streams the elements of a JSON array, calling each for every element.
func decodeArray(r io.Reader, each func(*json.Decoder) error) error {
	d := json.NewDecoder(r)
	tok, err := d.Token()
	if err != nil {
		return malformed(d, err)
	}
	if delim, ok := tok.(json.Delim); !ok || delim != '[' {
		return errors.New("malformed JSON: expected an array of records")
	}
	for n := 1; d.More(); n++ {
		if err := each(d); err != nil {
			return fmt.Errorf("record %d: %w", n, malformed(d, err))
		}
	}
	if _, err := d.Token(); err != nil {
		return malformed(d, err)
	}
	if _, err := d.Token(); err != io.EOF {
		return errors.New("malformed JSON: unexpected data after the array")
	}
	return nil
}

func malformed(d *json.Decoder, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("malformed JSON: the file is truncated")
	}
	return fmt.Errorf("malformed JSON near byte %d: %w", d.InputOffset(), err)
}

var (
	sirenPattern   = regexp.MustCompile(`^[0-9]{9}$`)
	inseePattern   = regexp.MustCompile(`^[0-9][0-9AB][0-9]{3}$`)
	regionPattern  = regexp.MustCompile(`^[0-9]{2,3}$`)
	deptPattern    = regexp.MustCompile(`^(?:[0-9]{2}|2A|2B|9[78][0-9])$`)
	zones          = map[string]bool{"": true, "metro": true, "drom": true, "com": true}
	errMissingName = errors.New("missing nom")
)

// Validate checks every record, so that a bad record stops a load before it writes.
func (ds *Dataset) Validate() error {
	for i, r := range ds.Regions {
		if err := check(r.Code, r.Name, r.Zone, regionPattern); err != nil {
			return fmt.Errorf("regions.json record %d: %w", i+1, err)
		}
	}
	for i, d := range ds.Departements {
		if err := check(d.Code, d.Name, d.Zone, deptPattern); err != nil {
			return fmt.Errorf("departements.json record %d: %w", i+1, err)
		}
	}
	for i, e := range ds.EPCI {
		if err := check(e.Code, e.Name, "", sirenPattern); err != nil {
			return fmt.Errorf("epci.json record %d: %w", i+1, err)
		}
		for _, m := range e.Members {
			if !inseePattern.MatchString(m.Code) {
				return fmt.Errorf("epci.json record %d (%s): member code %q is not an INSEE code", i+1, e.Code, m.Code)
			}
		}
	}
	for i, c := range ds.Communes {
		if err := check(c.Code, c.Name, c.Zone, inseePattern); err != nil {
			return fmt.Errorf("communes.json record %d: %w", i+1, err)
		}
		if c.SIREN != "" && !sirenPattern.MatchString(c.SIREN) {
			return fmt.Errorf("communes.json record %d (%s): SIREN %q is not 9 digits", i+1, c.Code, c.SIREN)
		}
		if c.Departement == "" {
			return fmt.Errorf("communes.json record %d (%s): missing departement", i+1, c.Code)
		}
	}
	return nil
}

func check(code, name, zone string, pattern *regexp.Regexp) error {
	switch {
	case code == "":
		return errors.New("missing code")
	case !pattern.MatchString(code):
		return fmt.Errorf("code %q is not a valid code", code)
	case strings.TrimSpace(name) == "":
		return fmt.Errorf("%s: %w", code, errMissingName)
	case !zones[zone]:
		return fmt.Errorf("%s: unknown zone %q (want metro, drom or com)", code, zone)
	}
	return nil
}
