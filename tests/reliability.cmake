# reliability.cmake -- the reliability tests (included by tests/CMakeLists.txt): crashes, hostile input, faults.

# reliability: crash consistency (short form here; `make torture` runs the long one).
add_test(NAME crash COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/crash.sh $<TARGET_FILE:relais> $<TARGET_FILE:relaisd>
                                 3 300 3)
set_tests_properties(crash PROPERTIES LABELS e2e TIMEOUT 300)

# feed resume: librelais's feed against a scripted broker that loses the subscription or
# restarts while deliveries are queued (the conditions of a stalled feed, made on purpose).
add_executable(test_feed_resume e2e/test_feed_resume.c)
target_link_libraries(test_feed_resume PRIVATE relais_client relais_certs relais_proto PkgConfig::ZMQ PkgConfig::CMOCKA
                      relais_build_flags)
add_test(NAME feed_resume COMMAND test_feed_resume)
set_tests_properties(feed_resume PROPERTIES LABELS e2e TIMEOUT 120)

# hostile input: the corpus of tests/corpus (gen_corpus writes it; the files are committed),
# forgeries, handshakes, a full store, a frozen subscriber, TCP garbage, against the real relaisd.
add_executable(gen_corpus corpus/gen_corpus.c)
target_link_libraries(gen_corpus PRIVATE relais_proto OpenSSL::Crypto relais_build_flags)
add_executable(test_hostile e2e/test_hostile.c)
target_link_libraries(test_hostile PRIVATE relais_e2e_harness relais_certs relais_store relais_proto PkgConfig::ZMQ
                      PkgConfig::CMOCKA relais_build_flags)
target_compile_definitions(test_hostile PRIVATE RELAISD_PATH="$<TARGET_FILE:relaisd>"
                           RELAIS_PATH="$<TARGET_FILE:relais>" RELAIS_CORPUS_DIR="${CMAKE_CURRENT_SOURCE_DIR}/corpus")
add_dependencies(test_hostile relaisd relais)
add_test(NAME hostile COMMAND test_hostile)
set_tests_properties(hostile PROPERTIES LABELS e2e TIMEOUT 300)

# hardening: the attacks of the security review, each reproduced against the real relaisd.
function(relais_attack_test name)
  add_executable(test_${name} e2e/test_${name}.c)
  target_link_libraries(test_${name} PRIVATE relais_e2e_harness relais_certs relais_store relais_proto PkgConfig::ZMQ
                        PkgConfig::CMOCKA relais_build_flags)
  target_compile_definitions(test_${name} PRIVATE RELAISD_PATH="$<TARGET_FILE:relaisd>")
  add_dependencies(test_${name} relaisd)
  add_test(NAME ${name} COMMAND test_${name})
  set_tests_properties(${name} PROPERTIES LABELS e2e TIMEOUT 300)
endfunction()
relais_attack_test(revocation)
relais_attack_test(partner_view)
relais_attack_test(flood)
target_link_libraries(test_flood PRIVATE Threads::Threads)
# It measures another partner's latency while it floods the machine's two cores: alone.
set_tests_properties(flood PROPERTIES RUN_SERIAL TRUE)

# faults: bad start-up files, hostile JSON for `relais submit`, openssl over a relaisd store,
# a disk that fails on commit (a small tmpfs: root only, skipped otherwise).
add_test(NAME faults COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/faults.sh $<TARGET_FILE:relais> $<TARGET_FILE:relaisd>)
set_tests_properties(faults PROPERTIES LABELS e2e TIMEOUT 300)

# valgrind: relaisd and the relais client under memcheck (runs with RELAIS_VALGRIND=1: make valgrind).
add_test(NAME valgrind COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/valgrind.sh $<TARGET_FILE:relais>
                                    $<TARGET_FILE:relaisd> ${PROJECT_SOURCE_DIR}/examples)
set_tests_properties(valgrind PROPERTIES LABELS valgrind SKIP_RETURN_CODE 77 TIMEOUT 900)
