# seed_corpus.cmake: run by the build (cmake -P) to fill a fuzz target's seed corpus folder from
# the files it is generated from, so that the corpus never drifts from the fixtures and content.
#   cmake -DOUT=<folder> -DROOT=<repo> -DLIST=<file naming one input per line> -P seed_corpus.cmake
# OUT is emptied first. A file of tests/fuzz/seeds/<target>/ keeps its name; any other lands as
# its path below ROOT with '/' turned into '_' (content/strings.json and
# tests/data/content/render/strings.json must not collide).
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT})
file(STRINGS ${LIST} inputs)
foreach(f ${inputs})
  file(RELATIVE_PATH rel ${ROOT} ${f})
  string(REGEX REPLACE "^tests/fuzz/seeds/[^/]+/" "" flat ${rel})
  string(REPLACE "/" "_" flat ${flat})
  configure_file(${f} ${OUT}/${flat} COPYONLY)
endforeach()
